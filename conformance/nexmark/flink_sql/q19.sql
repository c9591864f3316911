-- Nexmark q19, auction top-10 prices: the 10 highest bids of every auction (top-N).
SELECT *
FROM (
  SELECT *, ROW_NUMBER() OVER (PARTITION BY auction ORDER BY price DESC) AS rank_number
  FROM bid
)
WHERE rank_number <= 10
