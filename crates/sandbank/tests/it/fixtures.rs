//! `serve --fixtures FILE` as a real process: the documented example comes up as printed,
//! applying it again on the same `--data` store duplicates nothing and undoes nothing, and a
//! broken file stops the start naming the file and the line.

use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use crate::durable::{self, Server};

/// The README's example file.
fn example() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/fixtures.example.yaml")
}

/// The example's tokens: the operator's and the partner's.
const OPERATOR: &str = "sbk_admin_operator_example";
const PARTNER: &str = "sbk_admin_partner_acme";

fn start(data: &Path) -> Server {
    let mut command = durable::sandbank();
    command.args(durable::serve_args(data)).arg("--fixtures").arg(example());
    durable::start_command(command)
}

/// What the admin API shows of both tenants; a running clock's instant is masked.
fn snapshot(server: &Server) -> Value {
    let mut tenants = server.read("/__admin/tenants", OPERATOR);
    for tenant in tenants["tenants"].as_array_mut().unwrap() {
        if tenant["clock"]["frozen"] == json!(false) {
            tenant["clock"]["now"] = json!("<running>");
        }
    }
    let mut each = Vec::new();
    for token in [OPERATOR, PARTNER] {
        let mut clock = server.read("/__admin/clock", token);
        if clock["frozen"] == json!(false) {
            clock["now"] = json!("<running>");
        }
        let accounts = server.read("/__admin/accounts", token);
        let faults = server.read("/__admin/faults", token);
        each.push(json!({ "clock": clock, "accounts": accounts, "faults": faults }));
    }
    json!({ "tenants": tenants, "each": each })
}

#[test]
fn the_example_comes_up_as_documented_and_a_restart_with_it_duplicates_and_undoes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let first = start(&data);
    assert_eq!(first.admin_token, OPERATOR, "the file's operator token: {:?}", first.banner);
    let before = snapshot(&first);
    assert_eq!(before["tenants"]["tenants"].as_array().unwrap().len(), 2, "{before:#}");
    let partner = &before["each"][1];
    assert_eq!(partner["clock"], json!({ "now": "2031-03-04T09:00:00Z", "frozen": true }));
    let accounts = partner["accounts"]["accounts"].as_array().unwrap();
    let vendors: Vec<&str> = accounts.iter().map(|a| a["vendor"].as_str().unwrap()).collect();
    assert_eq!(vendors, ["qolo", "amlyze"]);
    assert_eq!(accounts[0]["balances"]["posted"], "75.50");
    assert_eq!(accounts[0]["limits"]["transfer_amount_max"], "500.00");
    assert_eq!(accounts[1]["status"], "frozen");
    assert_eq!(accounts[1]["vendor_ids"]["accountExtId"], "ACME-EUR-0001");
    assert_eq!(partner["faults"]["faults"][0]["name"], "qolo-flaky");
    let operator = before["each"][0]["accounts"]["accounts"].as_array().unwrap();
    assert_eq!(operator[0]["vendor_ids"]["account_id"], "6f1c2a4e-3b5d-4e7f-8a9b-0c1d2e3f4a5b");

    // What happens after the start is kept: a restart with the same file does not put the
    // fixture's status or clock back over it, nor open the accounts again.
    let qolo = accounts[0]["id"].as_str().unwrap();
    let patch = json!({ "status": "frozen" });
    let (status, _) =
        first.send("PATCH", &format!("/__admin/accounts/{qolo}"), PARTNER, Some(&patch));
    assert_eq!(status, 200);
    let advance = json!({ "advance": "P1D" });
    let (status, clock) = first.send("POST", "/__admin/clock", PARTNER, Some(&advance));
    assert_eq!((status, &clock["now"]), (200, &json!("2031-03-05T09:00:00Z")));
    let changed = snapshot(&first);
    assert!(first.terminate().success());

    let second = start(&data);
    assert_eq!(snapshot(&second), changed);
    assert!(second.terminate().success());
}

#[test]
fn a_broken_fixture_file_stops_the_start_naming_the_file_line_and_field() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("partners.yaml");
    let text = "tenants:\n  - admin_token: sbk_admin_partner\n    seed: 1\n    accounts:\n      - vendor: visa\n        currency: USD\n";
    std::fs::write(&file, text).unwrap();
    let args = ["serve", "--listen", "127.0.0.1:0", "--fixtures", file.to_str().unwrap()];
    let (code, stderr) = durable::run_to_exit(&args);
    assert_eq!(code, Some(1), "{stderr}");
    let expected = format!("{}:5: tenants[0].accounts[0]: field vendor:", file.display());
    assert!(stderr.contains(&expected), "{stderr}");
}
