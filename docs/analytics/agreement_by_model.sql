-- How often doctors agree with the AI reading their report cites, per model version. Only the
-- reports in force count (an amended report counts once, by its amendment), and only those that
-- cite a reading: "no_reading" reports say nothing about the model.
SELECT
    model_name,
    model_version,
    count(*) AS reports,
    count(*) FILTER (WHERE ai_agreement = 'agrees') AS agrees,
    round(count(*) FILTER (WHERE ai_agreement = 'agrees') / count(*), 3) AS agreement
FROM reports
WHERE in_force AND ai_agreement IN ('agrees', 'disagrees')
GROUP BY model_name, model_version
ORDER BY model_name, model_version;
