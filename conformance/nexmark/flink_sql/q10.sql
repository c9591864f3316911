-- Nexmark q10, log to file system: every bid with the day and minute it would be partitioned
-- by (the benchmark writes these rows to a partitioned filesystem sink).
SELECT auction, bidder, price, date_time, extra,
       DATE_FORMAT(date_time, 'yyyy-MM-dd') AS dt,
       DATE_FORMAT(date_time, 'HH:mm') AS hm
FROM bid
