//! `/dashboard/` is served by the service itself: its files under a policy
//! that allows nothing but themselves and the API, no inline script, no
//! address outside the service. (The page itself is tested in a real
//! browser by `scripts/browser.sh`.)

use crate::both_backends;
use crate::helpers::TestApp;

both_backends!(the_dashboard_is_served_from_the_service_alone);

async fn the_dashboard_is_served_from_the_service_alone(app: TestApp) {
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let resp = client.get(app.url("/dashboard")).send().await.unwrap();
    assert!(resp.status().is_redirection());
    assert_eq!(resp.headers()["location"], "/dashboard/");
    for (path, kind) in [
        ("/dashboard/", "text/html"),
        ("/dashboard/app.js", "text/javascript"),
        ("/dashboard/api.js", "text/javascript"),
        ("/dashboard/session.js", "text/javascript"),
        ("/dashboard/totp.js", "text/javascript"),
        ("/dashboard/charts.js", "text/javascript"),
        ("/dashboard/i18n.js", "text/javascript"),
        ("/dashboard/events.js", "text/javascript"),
        ("/dashboard/event-form.js", "text/javascript"),
        ("/dashboard/consent.js", "text/javascript"),
        ("/dashboard/places.js", "text/javascript"),
        ("/dashboard/period.js", "text/javascript"),
        ("/dashboard/imports.js", "text/javascript"),
        ("/dashboard/admin-periods.js", "text/javascript"),
        ("/dashboard/admin-privacy.js", "text/javascript"),
        ("/dashboard/admin-people.js", "text/javascript"),
        ("/dashboard/dom.js", "text/javascript"),
        ("/dashboard/app.css", "text/css"),
    ] {
        let resp = client.get(app.url(path)).send().await.unwrap();
        assert_eq!(resp.status().as_u16(), 200, "{path}");
        assert!(
            resp.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with(kind),
            "{path}"
        );
        let csp = resp.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .to_string();
        assert!(
            csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"),
            "{csp}"
        );
        let body = resp.text().await.unwrap();
        // Nothing from elsewhere (the SVG namespace is a name, not a request).
        let refs = body.replace("http://www.w3.org/2000/svg", "");
        for outside in ["http://", "https://", "//cdn", "@import", "url("] {
            assert!(!refs.contains(outside), "{path} refers to {outside}");
        }
        if path == "/dashboard/" {
            // Every script is a file; no inline script or handler.
            assert_eq!(
                body.matches("<script").count(),
                body.matches("<script src=").count()
            );
            assert!(!body.contains(" onclick=") && !body.contains(" onload="));
        }
    }
    let missing = client
        .get(app.url("/dashboard/nope.js"))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status().as_u16(), 404);
}
