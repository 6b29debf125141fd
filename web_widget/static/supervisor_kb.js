// supervisor_kb.js: the 'kb' tab (issue 6). export async function mount(panel, context) {}
