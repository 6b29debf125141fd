// agent_cases.js: filled by the cases work (issue 6)
