// Globals the pages use: Chart.js comes as a classic script (static/vendor/chart.umd.js).
interface Window {
  Chart?: any;
}
