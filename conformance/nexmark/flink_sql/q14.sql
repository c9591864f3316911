-- Nexmark q14, calculation: bids with a euro price between 1M and 50M, classified by the
-- hour they were placed, with the number of 'c' characters in `extra` (the benchmark uses
-- a Java UDF for that count; this is the same count with built-in functions).
SELECT auction, bidder, 0.908 * price AS price,
       CASE
         WHEN HOUR(date_time) >= 8 AND HOUR(date_time) <= 18 THEN 'dayTime'
         WHEN HOUR(date_time) <= 6 OR HOUR(date_time) >= 20 THEN 'nightTime'
         ELSE 'otherTime'
       END AS bid_time_type,
       date_time, extra,
       CAST(CHAR_LENGTH(extra) - CHAR_LENGTH(REPLACE(extra, 'c', '')) AS BIGINT) AS c_counts
FROM bid
WHERE 0.908 * price > 1000000 AND 0.908 * price < 50000000
