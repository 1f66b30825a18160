//! The dashboard's numbers come from the database and count only the caller's work.

use crate::common;

use common::{call_server_fn_as, create_project, create_spec, sign_up, test_app, As};

#[tokio::test(flavor = "multi_thread")]
async fn the_dashboard_counts_only_the_callers_specs_projects_and_builds() {
    let (app, _database) = test_app().await;
    let user = sign_up(&app, "ada@example.com").await;
    let other = sign_up(&app, "eve@example.com").await;
    create_spec(&app, &user, "First", "# one").await;
    create_spec(&app, &user, "Second", "# two").await;
    create_project(&app, &user, "Weekend").await;
    create_spec(&app, &other, "Eve's", "# eve").await;

    let summary = call_server_fn_as(&app, "/fn/get_dashboard", As::User(&user), &[]).await;
    assert_eq!(summary.status, 200, "{}", summary.body);
    let summary = summary.json();
    assert_eq!((summary["spec_count"].as_i64(), summary["project_count"].as_i64()), (Some(2), Some(1)));
    let states: Vec<(&str, i64)> = summary["builds_by_status"]
        .as_array()
        .unwrap()
        .iter()
        .map(|pair| (pair[0].as_str().unwrap(), pair[1].as_i64().unwrap()))
        .collect();
    assert_eq!(
        states,
        vec![("queued", 0), ("running", 0), ("paused", 0), ("completed", 0), ("failed", 0), ("cancelled", 0)]
    );
    let recent: Vec<&str> = summary["recent_specs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|spec| spec["name"].as_str().unwrap())
        .collect();
    assert_eq!(recent, vec!["Second", "First"]);
}
