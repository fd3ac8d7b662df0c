-- How often doctors agree with the AI reading their report cites, per model version, with a 95%
-- Wilson interval. Only the reports in force count (an amended report counts once, by its
-- amendment), and only those that cite a reading: "no_reading" reports say nothing about the model.
WITH counts AS (
    SELECT
        model_name,
        model_version,
        count(*) AS reports,
        count(*) FILTER (WHERE ai_agreement = 'agrees') AS agrees
    FROM reports
    WHERE in_force AND ai_agreement IN ('agrees', 'disagrees')
    GROUP BY model_name, model_version
),
rates AS (
    SELECT *, agrees / reports AS p, 1.959964 AS z FROM counts
)
SELECT
    model_name,
    model_version,
    reports,
    agrees,
    round(p, 3) AS agreement,
    round((p + z * z / (2 * reports) - z * sqrt(p * (1 - p) / reports + z * z / (4 * reports * reports)))
          / (1 + z * z / reports), 3) AS agreement_low,
    round((p + z * z / (2 * reports) + z * sqrt(p * (1 - p) / reports + z * z / (4 * reports * reports)))
          / (1 + z * z / reports), 3) AS agreement_high
FROM rates
ORDER BY model_name, model_version;
