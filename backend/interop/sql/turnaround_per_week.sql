-- Turnaround per week the cases were sent (Monday, UTC): hours from sending to the first signed
-- report, median and 90th percentile, over the cases of that week reported so far.
WITH first_report AS (
    SELECT case_id, min(signed_at) AS signed_at
    FROM reports
    GROUP BY case_id
)
SELECT
    CAST(date_trunc('week', c.submitted_at AT TIME ZONE 'UTC') AS DATE) AS week,
    count(*) AS cases,
    round(quantile_cont(epoch(f.signed_at - c.submitted_at) / 3600, 0.5), 2) AS median_hours,
    round(quantile_cont(epoch(f.signed_at - c.submitted_at) / 3600, 0.9), 2) AS p90_hours
FROM cases AS c
JOIN first_report AS f USING (case_id)
WHERE c.submitted_at IS NOT NULL
GROUP BY week
ORDER BY week;
