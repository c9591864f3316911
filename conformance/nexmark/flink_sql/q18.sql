-- Nexmark q18, last bid: each bidder's latest bid on each auction (deduplication keeping
-- the last row by event time).
SELECT auction, bidder, price, channel, url, date_time, extra
FROM (
  SELECT *, ROW_NUMBER() OVER (PARTITION BY bidder, auction ORDER BY date_time DESC) AS rank_number
  FROM bid
)
WHERE rank_number <= 1
