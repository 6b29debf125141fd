// supervisor_quality.js: the 'quality' tab (issue 6). export async function mount(panel, context) {}
