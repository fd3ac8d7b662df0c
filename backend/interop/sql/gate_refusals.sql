-- Images a model's input gate refused, per model version and where it ran: a rising share means
-- the images sent are moving away from what the model was trained on.
SELECT
    model_name,
    model_version,
    runs_on,
    count(*) AS readings,
    count(*) FILTER (WHERE refused) AS refused,
    round(count(*) FILTER (WHERE refused) / count(*), 3) AS refused_share
FROM readings
WHERE status IN ('succeeded', 'refused')
GROUP BY model_name, model_version, runs_on
ORDER BY model_name, model_version, runs_on;
