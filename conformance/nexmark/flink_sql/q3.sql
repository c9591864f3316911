-- Nexmark q3, local item suggestion: sellers in OR, ID or CA with an auction in category 10
-- (a non-windowed join of two append-only streams).
SELECT P.name, P.city, P.state, A.id
FROM auction AS A
JOIN person AS P ON A.seller = P.id
WHERE A.category = 10 AND P.state IN ('OR', 'ID', 'CA')
