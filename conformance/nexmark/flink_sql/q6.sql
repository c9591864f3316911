-- Nexmark q6, average selling price by seller: the mean winning price of each seller's
-- last 10 closed auctions. Flink cannot run it: an OVER aggregation cannot consume the
-- updates (retractions) the top-1 per auction produces.
SELECT Q.seller,
       AVG(Q.price) OVER (
         PARTITION BY Q.seller ORDER BY Q.date_time
         ROWS BETWEEN 10 PRECEDING AND CURRENT ROW) AS avg_price
FROM (
  SELECT *
  FROM (
    SELECT A.id, A.seller, B.price, B.date_time,
           ROW_NUMBER() OVER (PARTITION BY A.id, A.seller ORDER BY B.price DESC) AS rownum
    FROM auction AS A
    JOIN bid AS B ON A.id = B.auction
    WHERE B.date_time BETWEEN A.date_time AND A.expires
  )
  WHERE rownum <= 1
) AS Q
