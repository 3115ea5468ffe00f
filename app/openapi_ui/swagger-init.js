// Starts Swagger UI on /api/docs. A served file, not an inline script, so that the page's
// Content-Security-Policy allows scripts from this app only (app/core/security_headers.py).
// The settings come from the JSON block the page carries (OPENAPI_SWAGGER_UI_CONFIG).
window.addEventListener("load", function () {
  var config = JSON.parse(document.getElementById("swagger-ui-config").textContent);
  config.dom_id = "#swagger-ui-container";
  window.ui = SwaggerUIBundle(config);
});
