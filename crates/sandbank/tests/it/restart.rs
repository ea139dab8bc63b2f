//! Restarts (issue 11): what the admin API arranged comes back identical after a SIGTERM and a
//! start on the same `--data` directory, and a store is guarded: a second server, a store of
//! another format version and `sandbank check` on a missing or held store are refused with a
//! message saying why.

use std::path::Path;

use serde_json::{Value, json};

use crate::durable::{self, Server, clowd9_credit};

/// Every vendor with a currency it serves.
const ONE_OF_EACH: [(&str, &str); 5] = [
    ("firstvision", "USD"),
    ("clowd9", "GBP"),
    ("amlyze", "EUR"),
    ("qolo", "USD"),
    ("pcaasa", "USD"),
];

/// A frozen instant for a tenant's clock.
const FROZEN_AT: &str = "2031-03-04T05:06:07.123456Z";

/// The tenants the test arranges and their admin tokens.
struct Arranged {
    /// (tenant id, admin token) of every tenant that must come back, the default one first.
    tenants: Vec<(String, String)>,
    /// The deleted tenant and its old token.
    deleted: (String, String),
}

/// Everything the admin API shows of the kept tenants, to compare across a restart.
fn snapshot(server: &Server, operator: &str, arranged: &Arranged) -> Value {
    let mut tenants = server.read("/__admin/tenants", operator);
    // A running clock moves between reads; a frozen one must read the same instant.
    for tenant in tenants["tenants"].as_array_mut().unwrap() {
        if tenant["clock"]["frozen"] == json!(false) {
            tenant["clock"]["now"] = json!("<running>");
        }
    }
    let mut each = Vec::new();
    for (id, token) in &arranged.tenants {
        let mut clock = server.read("/__admin/clock", token);
        if clock["frozen"] == json!(false) {
            clock["now"] = json!("<running>");
        }
        let list = server.read("/__admin/accounts", token);
        let mut accounts = Vec::new();
        for account in list["accounts"].as_array().unwrap() {
            let account_id = account["id"].as_str().unwrap();
            let read = server.read(&format!("/__admin/accounts/{account_id}"), token);
            let entries = server.entries(token, account_id);
            accounts.push(json!({ "read": read, "entries": entries }));
        }
        each.push(json!({ "tenant": id, "clock": clock, "list": list, "accounts": accounts }));
    }
    json!({ "tenants": tenants, "each": each })
}

/// Arranges state through the admin API: a seeded tenant with a frozen clock, accounts of
/// every vendor with opening balances, a vendor write, a patched account, a reset tenant and a
/// deleted one.
fn arrange(server: &Server) -> Arranged {
    let operator = server.admin_token.clone();
    let default_id = durable::banner_value(&server.banner, "default tenant ");
    let default_id = default_id.split_whitespace().next().unwrap().to_string();
    let create = |seed: u64| {
        let body = json!({ "seed": seed });
        let (status, tenant) = server.send("POST", "/__admin/tenants", &operator, Some(&body));
        assert_eq!(status, 201, "{tenant}");
        let id = tenant["tenant_id"].as_str().unwrap().to_string();
        (id, tenant["admin_token"].as_str().unwrap().to_string())
    };
    let (frozen, reset, deleted) = (create(41), create(42), create(43));

    let body = json!({ "set": FROZEN_AT, "freeze": true });
    let (status, clock) = server.send("POST", "/__admin/clock", &frozen.1, Some(&body));
    assert_eq!((status, &clock["now"]), (200, &json!(FROZEN_AT)), "{clock}");
    for (token, opening) in [(&operator, "100.00"), (&frozen.1, "7.50")] {
        for (vendor, currency) in ONE_OF_EACH {
            server.open(token, vendor, currency, opening);
        }
    }
    // A vendor's own write, so an account has more history than its opening.
    let c9 = server.open(&operator, "clowd9", "GBP", "20.00");
    let c9_token = server.clowd9_login();
    let write = clowd9_credit(c9["vendor_ids"]["account_id"].as_str().unwrap(), 1234, "r-1");
    let (status, answer) = server.send("POST", "/v1/accounts/balance", &c9_token, Some(&write));
    assert_eq!(status, 200, "{answer}");
    let patch = json!({ "status": "frozen", "limits": { "balance_max": "5000.00" } });
    let path = format!("/__admin/accounts/{}", c9["id"].as_str().unwrap());
    let (status, answer) = server.send("PATCH", &path, &operator, Some(&patch));
    assert_eq!(status, 200, "{answer}");

    server.open(&reset.1, "qolo", "USD", "3.00");
    let (status, answer) = server.send("POST", "/__admin/reset", &reset.1, None);
    assert_eq!(status, 200, "{answer}");
    server.open(&deleted.1, "pcaasa", "USD", "1.00");
    let (status, answer) =
        server.send("DELETE", &format!("/__admin/tenants/{}", deleted.0), &operator, None);
    assert!((200..300).contains(&status), "{status} {answer}");

    Arranged { tenants: vec![(default_id, operator), frozen, reset], deleted }
}

#[test]
fn a_restart_on_the_same_data_dir_keeps_tenants_accounts_entries_clocks_and_tokens() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let first = durable::start(&data);
    let state = durable::banner_value(&first.banner, "state: ");
    let db = data.join("sandbank.db");
    assert!(state.starts_with(&format!("{} (", db.display())), "{:?}", first.banner);
    let arranged = arrange(&first);
    let operator = first.admin_token.clone();
    let before = snapshot(&first, &operator, &arranged);
    let status = first.terminate();
    assert!(status.success(), "SIGTERM: {status}");

    let second = durable::start(&data);
    // No --admin-token either time: the first banner's token is the operator's for good.
    assert_eq!(second.admin_token, operator, "{:?}", second.banner);
    let after = snapshot(&second, &operator, &arranged);
    let changed = durable::differences(&before, &after);
    // The server's own state first, then the vendors' (ids and state they keep themselves),
    // so a failure says which side lost something.
    let (vendors, own): (Vec<String>, Vec<String>) = changed
        .into_iter()
        .partition(|at| at.contains("/vendor_ids/") || at.contains("/vendor_state"));
    assert!(own.is_empty(), "changed by the restart (before vs after):\n{}", own.join("\n"));

    let (deleted_id, deleted_token) = &arranged.deleted;
    let tenants = second.read("/__admin/tenants", &operator).to_string();
    assert!(!tenants.contains(deleted_id.as_str()), "{tenants}");
    let (status, _) = second.send("GET", "/__admin/accounts", deleted_token, None);
    assert_eq!(status, 401, "the deleted tenant's token stays revoked");
    let path = format!("/__admin/tenants/{deleted_id}");
    assert_eq!(second.send("DELETE", &path, &operator, None).0, 404);
    assert!(vendors.is_empty(), "vendor state changed by the restart:\n{}", vendors.join("\n"));
}

#[test]
fn without_data_the_banner_says_state_is_in_memory() {
    let mut command = durable::sandbank();
    command.args(["serve", "--listen", "127.0.0.1:0"]);
    let server = durable::start_command(command);
    let state = durable::banner_value(&server.banner, "state: ");
    assert!(state.starts_with("in memory"), "{state}");
}

#[test]
fn a_second_server_on_a_held_data_dir_exits_naming_the_store_in_use_and_the_first_serves_on() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let first = durable::start(&data);
    let token = first.admin_token.clone();
    let opened = first.open(&token, "clowd9", "GBP", "10.00");

    let args = durable::serve_args(&data);
    let (code, stderr) = durable::run_to_exit(&args.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(code.is_some_and(|code| code != 0), "exit {code:?}: {stderr}");
    assert!(stderr.contains("in use"), "{stderr}");
    assert!(stderr.contains(&data.display().to_string()), "names the store: {stderr}");

    let (code, stderr) = durable::run_to_exit(&["check", "--data", data.to_str().unwrap()]);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(stderr.contains("in use"), "{stderr}");

    // The first server still serves, and still writes.
    let read = first.read(&format!("/__admin/accounts/{}", opened["id"].as_str().unwrap()), &token);
    assert_eq!(read["balances"]["posted"], "10.00");
    first.open(&token, "qolo", "USD", "1.00");
}

/// Makes a store in `data` and stops its server.
fn make_store(data: &Path) {
    let server = durable::start(data);
    server.open(&server.admin_token.clone(), "amlyze", "EUR", "1.00");
    assert!(server.terminate().success());
}

#[test]
fn a_store_of_another_format_version_is_refused_naming_both_versions() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    make_store(&data);
    let conn = rusqlite::Connection::open(data.join("sandbank.db")).unwrap();
    let changed =
        conn.execute("UPDATE meta SET value = '999' WHERE key = 'format_version'", []).unwrap();
    assert_eq!(changed, 1);
    drop(conn);

    let ours = server::store::FORMAT_VERSION.to_string();
    let args = durable::serve_args(&data);
    let (code, stderr) = durable::run_to_exit(&args.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(code.is_some_and(|code| code != 0), "exit {code:?}: {stderr}");
    assert!(stderr.contains("format version 999"), "{stderr}");
    assert!(stderr.contains(&format!("reads version {ours}")), "{stderr}");

    let (code, stderr) = durable::run_to_exit(&["check", "--data", data.to_str().unwrap()]);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(stderr.contains("999") && stderr.contains(&format!("version {ours}")), "{stderr}");
}

#[test]
fn check_without_a_store_exits_1_saying_there_is_none_and_with_one_says_verify_ok() {
    let dir = tempfile::tempdir().unwrap();
    let (code, stderr) = durable::run_to_exit(&["check", "--data", dir.path().to_str().unwrap()]);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(stderr.contains("no store in"), "{stderr}");
    assert!(stderr.contains("sandbank.db"), "{stderr}");
    // Nothing was made on the way.
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);

    let data = dir.path().join("data");
    make_store(&data);
    durable::assert_check_ok(&data);
}

#[test]
fn a_damaged_store_is_blamed_by_name_and_a_damaged_checkpoints_file_only_costs_a_longer_start() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    make_store(&data);
    let before = durable::start(&data);
    let operator = before.admin_token.clone();
    let accounts = before.read("/__admin/accounts", &operator);
    assert!(before.terminate().success());

    std::fs::write(data.join(server::store::CHECKPOINTS_FILE_NAME), b"not a database").unwrap();
    let (code, out, err) = durable::check(&data);
    assert_eq!(code, Some(0), "{out}{err}");
    assert!(out.contains("checkpoint: unreadable"), "{out}");
    assert!(out.lines().any(|line| line == "verify: ok"), "{out}");
    // A start sets the file aside, replays every event, and serves the same accounts.
    let after = durable::start(&data);
    assert_eq!(after.read("/__admin/accounts", &operator), accounts);
    assert!(data.join(server::store::CHECKPOINTS_SET_ASIDE).exists());
    assert!(after.terminate().success());
    durable::assert_check_ok(&data);

    std::fs::write(data.join(server::store::FILE_NAME), b"not a database either").unwrap();
    let args = durable::serve_args(&data);
    let (code, stderr) = durable::run_to_exit(&args.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(code, Some(1), "{stderr}");
    assert!(stderr.contains(&format!("cannot open the store in {}", data.display())), "{stderr}");
    assert!(!stderr.contains("cannot serve on"), "not the address's fault: {stderr}");
}
