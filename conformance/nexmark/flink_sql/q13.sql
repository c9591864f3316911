-- Nexmark q13, bounded side input join: every bid enriched with the side-input row whose key
-- is the auction id modulo 10000, looked up at processing time (FOR SYSTEM_TIME AS OF).
-- Needs a `side_input (key BIGINT, `value` STRING)` table from a connector that supports
-- lookups; not deterministic if the side input changes while the query runs.
SELECT B.auction, B.bidder, B.price, B.date_time, S.`value`
FROM (SELECT *, PROCTIME() AS p_time FROM bid) AS B
JOIN side_input FOR SYSTEM_TIME AS OF B.p_time AS S
ON MOD(B.auction, 10000) = S.key
