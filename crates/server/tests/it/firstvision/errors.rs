//! FirstVision refusing bad input: malformed or mistyped bodies, oversized bodies, wrong
//! methods; none changes a balance.

use super::*;

// ---------------------------------------------------------------------------------------------
// Bad input

#[tokio::test]
async fn malformed_or_mistyped_requests_are_refused_and_change_no_balance() {
    let (sb, fv) = start().await;
    let account = open_seed_account(&sb, "100.00").await;
    let before = admin_account(&sb, &account.id).await;
    let good = l8v2(&account, "FREV", "10", "000000000001", 0);

    let cases: [(String, &str, u16, &str, &str, &str); 12] = [
        (
            "{not json".into(),
            "application/json",
            400,
            "400",
            "Bad Request",
            "body: not a valid request",
        ),
        (String::new(), "application/json", 400, "400", "Bad Request", "body: not a valid request"),
        ("[]".into(), "application/json", 400, "400", "Bad Request", "body: not a valid request"),
        (good.clone(), "text/plain", 415, "415", "Unsupported Media Type", "Content-Type"),
        (
            good.clone(),
            "application/x-www-form-urlencoded",
            415,
            "415",
            "Unsupported Media Type",
            "is not application/json",
        ),
        (
            with_field(&good, "cardSequence", json!("x")),
            "application/json",
            400,
            "400",
            "Bad Request",
            "cardSequence: must be an integer",
        ),
        (
            with_field(&good, "otbUpdateIndicator", json!("yes")),
            "application/json",
            400,
            "400",
            "Bad Request",
            "otbUpdateIndicator: must be an integer",
        ),
        (
            with_field(&good, "transactionAmount", json!(true)),
            "application/json",
            422,
            "VPL8SMA07E",
            "TRANSACTION AMOUNT MUST BE NUMERIC",
            "transactionAmount: must be a number",
        ),
        (
            with_field(&good, "transactionAmount", json!("ten")),
            "application/json",
            422,
            "VPL8SMA07E",
            "TRANSACTION AMOUNT MUST BE NUMERIC",
            "not a plain decimal number",
        ),
        (
            good.replace("\"transactionAmount\": 10", "\"transactionAmount\": 10.001"),
            "application/json",
            422,
            "VPL8SMA07E",
            "TRANSACTION AMOUNT MUST BE NUMERIC",
            "more decimal places than MXN allows (2)",
        ),
        (
            good.replace("\"transactionAmount\": 10", "\"transactionAmount\": -10"),
            "application/json",
            422,
            "VPL8SMA07E",
            "TRANSACTION AMOUNT MUST BE NUMERIC",
            "must not be negative",
        ),
        (
            with_field(&good, "actionCode", json!("ZZZZ")),
            "application/json",
            422,
            "VPL8SMA20S",
            "ASM ACTION CODE IS NOT ON FILE",
            "action code \"ZZZZ\" is not in organization 970's action codes",
        ),
    ];
    for (body, content_type, status, code, description, reason) in cases {
        let req = fv
            .request(Method::PUT, "/account/balance")
            .header("Content-Type", content_type)
            .body(body.clone());
        fv.send(req).await.assert_refused(status, code, description, reason);
    }
    // No content type at all.
    let bare = fv.request(Method::PUT, "/account/balance").body(good.clone());
    fv.send(bare).await.assert_refused(415, "415", "Unsupported Media Type", "Content-Type");
    // The balance inquiry checks its body the same way.
    let req = fv
        .request(Method::POST, "/account/balance/details")
        .header("Content-Type", "application/json")
        .body("{\"accountNumber\": ");
    fv.send(req).await.assert_refused(400, "400", "Bad Request", "body: not a valid request");

    assert_eq!(admin_account(&sb, &account.id).await, before);
    // And the good body still works afterwards: the reference was not used up.
    fv.cash(&good).await.assert_ok();
    assert_eq!(admin_account(&sb, &account.id).await["balances"]["posted"], "90.00");
}

#[tokio::test]
async fn a_body_over_64_kib_is_refused_with_413_and_one_of_exactly_64_kib_is_read() {
    let (sb, fv) = start().await;
    let account = open_seed_account(&sb, "100.00").await;
    let body = l8v2(&account, "FREV", "10", "000000000001", 0);
    let limit = vendors::REQUEST_BODY_BYTES_MAX;
    assert_eq!(limit, 64 * 1024);
    // JSON allows trailing whitespace: the same request padded to the limit and one past it.
    let padded = |len: usize| format!("{body}{}", " ".repeat(len - body.len()));

    fv.cash(&padded(limit + 1)).await.assert_refused(
        413,
        "413",
        "Payload Too Large",
        "body: larger than 65536 bytes",
    );
    assert_eq!(admin_account(&sb, &account.id).await["balances"]["posted"], "100.00");

    // The same without Content-Length (chunked), on a raw loopback connection.
    let addr = sb.server.base_url.trim_start_matches("http://").to_string();
    let head = format!(
        "PUT /account/balance HTTP/1.1\r\nHost: {addr}\r\napikey: {API_KEY}\r\n\
         Authorization: Bearer {}\r\nX-ClientID: 00970\r\nContent-Type: application/json\r\n\
         Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n",
        fv.token
    );
    let oversized = padded(limit + 1);
    let raw = tokio::task::spawn_blocking(move || {
        use std::io::{Read, Write};
        let mut stream = std::net::TcpStream::connect(&addr).unwrap();
        stream.set_read_timeout(Some(std::time::Duration::from_secs(10))).unwrap();
        let mut request = head.into_bytes();
        for chunk in oversized.as_bytes().chunks(8 * 1024) {
            request.extend_from_slice(format!("{:x}\r\n", chunk.len()).as_bytes());
            request.extend_from_slice(chunk);
            request.extend_from_slice(b"\r\n");
        }
        request.extend_from_slice(b"0\r\n\r\n");
        // The server may answer and close before it has read everything; that is its right.
        let _ = stream.write_all(&request);
        let mut response = Vec::new();
        let _ = stream.read_to_end(&mut response);
        String::from_utf8_lossy(&response).into_owned()
    })
    .await
    .unwrap();
    assert!(raw.starts_with("HTTP/1.1 413 Payload Too Large\r\n"), "{raw}");
    assert!(
        raw.to_ascii_lowercase().contains("x-sandbank-reason: body: larger than 65536 bytes"),
        "{raw}"
    );
    let (_, raw_body) = raw.split_once("\r\n\r\n").unwrap();
    assert_eq!(
        serde_json::from_str::<Value>(raw_body).unwrap(),
        envelope_error("413", "Payload Too Large")
    );
    assert_eq!(admin_account(&sb, &account.id).await["balances"]["posted"], "100.00");

    // Exactly at the limit the body is read and the cash-out goes through.
    let at_limit = fv.cash(&padded(limit)).await;
    assert_eq!(num(&at_limit.assert_ok()["transactionData"]["openToBuy"]), "90.00");
}

#[tokio::test]
async fn a_wrong_method_on_a_known_path_is_405_in_the_vendor_envelope() {
    let (sb, fv) = start().await;
    let account = open_seed_account(&sb, "100.00").await;
    let body = l8v2(&account, "FREV", "10", "000000000001", 0);
    let cases = [
        (Method::POST, "/account/balance", "PUT"),
        (Method::DELETE, "/account/balance", "PUT"),
        (Method::GET, "/account/balance/details", "POST"),
        (Method::PUT, "/account/v2/accounts", "GET"),
        (Method::PATCH, "/account/v2/balance", "PUT"),
        (Method::GET, "/firstvision/token", "POST"),
        (Method::POST, "/latam-gfs-apis/portal/account/balance", "PUT"),
    ];
    for (method, path, allow) in cases {
        let resp = fv
            .request(method.clone(), path)
            .header("Content-Type", "application/json")
            .body(body.clone())
            .send()
            .await
            .unwrap();
        assert_eq!(resp.headers()["allow"], allow, "{method} {path}");
        Reply::read(resp).await.assert_refused(
            405,
            "405",
            "Method Not Allowed",
            &format!("route: {method} is not served on {path}"),
        );
    }
    assert_eq!(admin_account(&sb, &account.id).await["balances"]["posted"], "100.00");
    // The journal names the vendor but no operation.
    let journal = sb.journal().await;
    let entry = journal.iter().find(|e| e["method"] == "DELETE").unwrap();
    assert_eq!(entry["status"], 405);
    assert_eq!(entry["vendor"], "firstvision");
    assert_eq!(entry["operation"], Value::Null);
}
