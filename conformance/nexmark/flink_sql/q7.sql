-- Nexmark q7, highest bid: the bids carrying the highest price of each 10 s tumbling window.
-- The published Flink SQL of the Nexmark benchmark (nexmark-flink queries/q7.sql), adapted
-- only to this repository's tables: the time column is `date_time` (not `dateTime`), the
-- result is returned instead of written to a blackhole sink, and its columns come in the
-- order of planbridge's q7 (price before bidder, so the rows of both can be compared).
SELECT B.auction, B.price, B.bidder, B.date_time, B.extra
FROM bid B
JOIN (
  SELECT MAX(price) AS maxprice, window_end AS date_time
  FROM TABLE(TUMBLE(TABLE bid, DESCRIPTOR(date_time), INTERVAL '10' SECOND))
  GROUP BY window_start, window_end
) B1
ON B.price = B1.maxprice
WHERE B.date_time BETWEEN B1.date_time - INTERVAL '10' SECOND AND B1.date_time
