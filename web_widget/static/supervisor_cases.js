// supervisor_cases.js: the 'cases' tab (issue 6). export async function mount(panel, context) {}
