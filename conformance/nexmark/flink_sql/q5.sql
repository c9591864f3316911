-- Nexmark q5, hot items: per 10 s window sliding by 2 s, the auctions with the most bids.
-- The published Flink SQL of the Nexmark benchmark (nexmark-flink queries/q5.sql), adapted
-- only to this repository's tables: the time column is `date_time` (not `dateTime`), the
-- result is returned instead of written to a blackhole sink, and it also carries each
-- row's window bounds (as planbridge's q5 does, so the rows of both can be compared).
SELECT AuctionBids.auction, AuctionBids.num,
       AuctionBids.starttime AS window_start, AuctionBids.endtime AS window_end
FROM (
  SELECT auction, COUNT(*) AS num, window_start AS starttime, window_end AS endtime
  FROM TABLE(HOP(TABLE bid, DESCRIPTOR(date_time), INTERVAL '2' SECOND, INTERVAL '10' SECOND))
  GROUP BY auction, window_start, window_end
) AS AuctionBids
JOIN (
  SELECT MAX(CountBids.num) AS maxn, CountBids.starttime, CountBids.endtime
  FROM (
    SELECT COUNT(*) AS num, window_start AS starttime, window_end AS endtime
    FROM TABLE(HOP(TABLE bid, DESCRIPTOR(date_time), INTERVAL '2' SECOND, INTERVAL '10' SECOND))
    GROUP BY auction, window_start, window_end
  ) AS CountBids
  GROUP BY CountBids.starttime, CountBids.endtime
) AS MaxBids
ON AuctionBids.starttime = MaxBids.starttime
   AND AuctionBids.endtime = MaxBids.endtime
   AND AuctionBids.num >= MaxBids.maxn
