-- How often each doctor (a pseudonym) agrees with the AI readings her reports in force cite, per
-- model: a doctor far from her colleagues on the same model is worth a conversation, in either
-- direction.
SELECT
    doctor_id,
    model_name,
    count(*) AS reports,
    count(*) FILTER (WHERE ai_agreement = 'agrees') AS agrees,
    round(count(*) FILTER (WHERE ai_agreement = 'agrees') / count(*), 3) AS agreement
FROM reports
WHERE in_force AND ai_agreement IN ('agrees', 'disagrees')
GROUP BY doctor_id, model_name
ORDER BY model_name, doctor_id;
