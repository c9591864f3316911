-- Nexmark q4, average price per category: the winning (highest) bid of every auction,
-- counting bids placed while the auction was open, averaged per category.
SELECT Q.category, AVG(Q.final) AS avg_final
FROM (
  SELECT A.id, A.category, MAX(B.price) AS final
  FROM auction AS A
  JOIN bid AS B ON A.id = B.auction
  WHERE B.date_time BETWEEN A.date_time AND A.expires
  GROUP BY A.id, A.category
) AS Q
GROUP BY Q.category
