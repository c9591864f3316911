-- Nexmark q0, pass through: every bid, unchanged (measures the cost of reading and writing).
SELECT auction, bidder, price, date_time, extra
FROM bid
