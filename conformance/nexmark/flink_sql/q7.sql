-- Nexmark q7, highest bid: the bids carrying the highest price of each 10 s tumbling window.
SELECT B.auction, B.price, B.bidder, B.date_time, B.extra
FROM bid AS B
JOIN (
  SELECT MAX(price) AS max_price, window_end
  FROM TABLE(TUMBLE(TABLE bid, DESCRIPTOR(date_time), INTERVAL '10' SECOND))
  GROUP BY window_start, window_end
) AS W
ON B.price = W.max_price
WHERE B.date_time BETWEEN W.window_end - INTERVAL '10' SECOND AND W.window_end
