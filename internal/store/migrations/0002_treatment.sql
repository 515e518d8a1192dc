-- Treatment courses, signed plan versions and infusion session charting (issue 7). Tables are added here by the charting work.
SELECT 1;
