// supervisor_reports.js: the 'reports' tab (issue 6). export async function mount(panel, context) {}
