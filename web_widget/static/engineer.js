// @ts-check
// hotline semantic engineer page, in the staff shell: clusters of missed questions (label / ignore
// / propose a new intent, for a whole cluster or the ticked items; engineer_clusters.js), model
// versions (retrain, compare, deploy with the gate's force-with-reason path, roll back;
// engineer_models.js) and the match rate per day / month against the 85% line (engineer_rates.js).
// API: handoff/api/engineer.py (+ /auth/login, /api/kb/search, /api/catalog). Server text is
// rendered with textContent, never as HTML.

import { loadClusters } from "./engineer_clusters.js";
import { loadModels } from "./engineer_models.js";
import { page, ui } from "./engineer_page.js";
import { loadRates, resetRates } from "./engineer_rates.js";
import { loadCatalog, startShell } from "./shell.js";

startShell({
  stores: { "*": "hotline.engineer" },
  roles: { engineer: "語意工程師", supervisor: "督導" },
  view: "eng-view",
  wrongRole: "這個帳號沒有語意工程師權限，請改用語意工程師或督導帳號。",
  forbidden: "這個帳號沒有語意工程師權限。",
  verify: true,
  async onStart({ api }) {
    page.api = api;
    try {
      page.categories = (await loadCatalog(api)).categories;
    } catch { /* 提議新意圖 then offers 待分類 only */ }
    loadClusters();
    loadModels();
    loadRates();
  },
  onLogout() {
    resetRates();
    ui.clusters.textContent = "";
  },
});
