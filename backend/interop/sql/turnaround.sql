-- Turnaround: hours from a case being sent to its first signed report, per exam type, as the
-- median and the 90th percentile (interpolated between cases). Amendments do not restart it.
WITH first_report AS (
    SELECT case_id, min(signed_at) AS signed_at
    FROM reports
    GROUP BY case_id
)
SELECT
    c.exam_type,
    count(*) AS cases,
    round(quantile_cont(epoch(f.signed_at - c.submitted_at) / 3600, 0.5), 2) AS median_hours,
    round(quantile_cont(epoch(f.signed_at - c.submitted_at) / 3600, 0.9), 2) AS p90_hours
FROM cases AS c
JOIN first_report AS f USING (case_id)
WHERE c.submitted_at IS NOT NULL
GROUP BY c.exam_type
ORDER BY c.exam_type;
