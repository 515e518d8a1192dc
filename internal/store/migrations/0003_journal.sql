-- Patient journal, functional measures and outcome definitions (issue 8).
SELECT 1;
