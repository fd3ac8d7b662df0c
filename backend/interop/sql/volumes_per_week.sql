-- Cases sent per week (weeks start on Monday, UTC) and exam type: how many were sent, how many
-- of those have a signed report now, and how many images they hold.
SELECT
    CAST(date_trunc('week', submitted_at AT TIME ZONE 'UTC') AS DATE) AS week,
    exam_type,
    count(*) AS cases_sent,
    count(reported_at) AS cases_reported,
    sum(images) AS images
FROM cases
WHERE submitted_at IS NOT NULL
GROUP BY week, exam_type
ORDER BY week, exam_type;
