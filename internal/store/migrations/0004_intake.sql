-- Intake: weight/height history, medications, diagnosis, screening decisions (issue 7).
SELECT 1;
