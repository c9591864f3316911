-- Nexmark q12, processing-time windows: bids per bidder per 10 s of processing time.
-- Not deterministic: which window a bid falls into depends on when the machine reads it.
SELECT bidder, COUNT(*) AS bid_count, window_start, window_end
FROM TABLE(TUMBLE(TABLE (SELECT bidder, PROCTIME() AS p_time FROM bid), DESCRIPTOR(p_time),
                  INTERVAL '10' SECOND))
GROUP BY bidder, window_start, window_end
