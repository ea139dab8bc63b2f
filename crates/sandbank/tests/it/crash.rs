//! Crashes (issue 11): `serve --data DIR` killed with SIGKILL at a random moment while clients
//! write, restarted on the same directory, again and again. Every write a client saw
//! acknowledged must come back exactly once, none twice, the balance must add up, the store
//! must pass `sandbank check`, and a retry of an acknowledged write must replay it.
//!
//! `SANDBANK_CRASH_CYCLES` sets the number of kill/restart cycles (default
//! [`CYCLES_DEFAULT`]); `SANDBANK_CRASH_SEED` replays a run's kill timing (every run prints its
//! seed). `bench/crash.sh` runs 100 cycles against the release binary.

use std::collections::BTreeMap;
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use serde_json::Value;

use crate::durable::{self, Server, clowd9_credit, minor, references};

/// Clowd9's seed call, keyed by `reference_id`.
const WRITE_PATH: &str = "/v1/accounts/balance";
/// Kill/restart cycles of a default run (CI); `SANDBANK_CRASH_CYCLES` raises it.
const CYCLES_DEFAULT: usize = 20;
/// Client threads writing at once.
const WRITERS: usize = 4;
/// Writes one client sends in one cycle at most, so a cycle is bounded even if the kill came
/// late.
const WRITES_PER_WRITER_MAX: usize = 400;
/// The kill comes this long at most after the writers start (uniformly drawn).
const KILL_WINDOW: Duration = Duration::from_millis(400);

/// One write a client sent.
#[derive(Debug, Clone)]
struct Write {
    reference_id: String,
    amount_minor: i64,
    /// The acknowledgement (a 200 answer's body); `None` when the server died first.
    answer: Option<Value>,
}

/// An account of the test and every write sent to it.
#[derive(Debug)]
struct Account {
    /// The ledger id (admin API).
    id: String,
    /// Clowd9's `account_id`.
    clowd9_id: String,
    opening_minor: i64,
    writes: Vec<Write>,
}

fn env_number(name: &str) -> Option<u64> {
    let text = std::env::var(name).ok()?;
    Some(text.parse().unwrap_or_else(|_| panic!("{name}={text}: not a whole number")))
}

#[test]
fn acknowledged_keyed_writes_survive_sigkill_exactly_once_and_replay() {
    let cycles = env_number("SANDBANK_CRASH_CYCLES").map_or(CYCLES_DEFAULT, |n| n as usize);
    let seed = env_number("SANDBANK_CRASH_SEED").unwrap_or_else(|| {
        // A fresh random seed for each run (std's hasher keys are drawn from the OS).
        std::hash::BuildHasher::hash_one(&std::collections::hash_map::RandomState::new(), 0)
    });
    // Shown by the test harness when the test fails: the run can be replayed with it.
    eprintln!("crash test: {cycles} cycles, SANDBANK_CRASH_SEED={seed}");
    let mut rng = SmallRng::seed_from_u64(seed);
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let started = Instant::now();

    let mut server = durable::start(&data);
    // With no --admin-token the first banner's token is the operator's for good.
    let token = server.admin_token.clone();
    let mut accounts: Vec<Account> = Vec::new();
    let mut kept_unanswered = 0;
    for cycle in 0..cycles {
        let opening_minor = rng.random_range(0..100_000);
        let opened = server.open(
            &token,
            "clowd9",
            "GBP",
            &format!("{}.{:02}", opening_minor / 100, opening_minor % 100),
        );
        let account = Account {
            id: opened["id"].as_str().unwrap().to_string(),
            clowd9_id: opened["vendor_ids"]["account_id"].as_str().unwrap().to_string(),
            opening_minor,
            writes: Vec::new(),
        };
        let delay = rng.random_range(Duration::ZERO..KILL_WINDOW);
        let writes = write_until_killed(server, &account, cycle, delay);
        accounts.push(Account { writes, ..account });

        durable::assert_check_ok(&data);
        server = durable::start(&data);
        assert_eq!(server.admin_token, token, "seed {seed}: the operator token changed");
        kept_unanswered = 0;
        for account in &accounts {
            kept_unanswered += assert_kept_at_most_once(&server, &token, account, seed);
        }
    }
    let acknowledged: usize =
        accounts.iter().map(|a| a.writes.iter().filter(|w| w.answer.is_some()).count()).sum();
    let unanswered: usize =
        accounts.iter().map(|a| a.writes.iter().filter(|w| w.answer.is_none()).count()).sum();
    eprintln!(
        "crash test: {acknowledged} writes acknowledged, {unanswered} unanswered \
         ({kept_unanswered} of them kept), {:?}",
        started.elapsed()
    );
    assert!(acknowledged > 0, "seed {seed}: no write was acknowledged at all");

    retries_replay_and_apply_exactly_once(&server, &token, &mut accounts, seed);
    let status = server.terminate();
    assert!(status.success(), "SIGTERM: {status}");
    durable::assert_check_ok(&data);
}

/// Starts [`WRITERS`] clients writing keyed credits to `account`, kills the server with
/// SIGKILL `delay` after they start, and returns every write sent, with its answer if one came.
fn write_until_killed(
    server: Server,
    account: &Account,
    cycle: usize,
    delay: Duration,
) -> Vec<Write> {
    let c9_token = server.clowd9_login();
    let start = Arc::new(Barrier::new(WRITERS + 1));
    let clients: Vec<_> = (0..WRITERS)
        .map(|writer| {
            let (http, start) = (server.clone(), Arc::clone(&start));
            let (c9_token, c9_id) = (c9_token.clone(), account.clowd9_id.clone());
            std::thread::spawn(move || {
                start.wait();
                let mut writes = Vec::new();
                for n in 0..WRITES_PER_WRITER_MAX {
                    let reference_id = format!("c{cycle}-w{writer}-{n}");
                    let amount_minor = 1 + ((cycle * 31 + writer * 7 + n) % 500) as i64;
                    let body = clowd9_credit(&c9_id, amount_minor, &reference_id);
                    let answer = match http.try_send("POST", WRITE_PATH, &c9_token, Some(&body)) {
                        Ok((200, answer)) => Some(answer),
                        // A credit without limits is never refused; only the kill stops it.
                        Ok((status, answer)) => panic!("{reference_id}: {status} {answer}"),
                        Err(_) => None,
                    };
                    let killed = answer.is_none();
                    writes.push(Write { reference_id, amount_minor, answer });
                    if killed {
                        break;
                    }
                }
                writes
            })
        })
        .collect();
    start.wait();
    std::thread::sleep(delay);
    server.kill();
    clients.into_iter().flat_map(|client| client.join().unwrap()).collect()
}

/// After a restart: every acknowledged write of `account` is there exactly once, no write is
/// there twice, nothing is there that was never sent, and the balance is the opening balance
/// plus the writes that are there. Returns how many writes that got no answer are there.
fn assert_kept_at_most_once(server: &Server, token: &str, account: &Account, seed: u64) -> usize {
    let found = references(&server.entries(token, &account.id));
    let sent: BTreeMap<&str, &Write> =
        account.writes.iter().map(|w| (w.reference_id.as_str(), w)).collect();
    let mut present_minor = 0;
    for (reference, (count, amount)) in &found {
        let write = sent.get(reference.as_str());
        let write = write.unwrap_or_else(|| panic!("seed {seed}: {reference} was never sent"));
        assert_eq!(*count, 1, "seed {seed}: {reference} is there {count} times");
        assert_eq!(*amount, write.amount_minor, "seed {seed}: {reference}'s amount");
        present_minor += amount;
    }
    for write in account.writes.iter().filter(|w| w.answer.is_some()) {
        assert!(
            found.contains_key(&write.reference_id),
            "seed {seed}: {} was acknowledged ({}) and is lost",
            write.reference_id,
            write.answer.as_ref().unwrap()
        );
    }
    let read = server.read(&format!("/__admin/accounts/{}", account.id), token);
    let posted = minor(read["balances"]["posted"].as_str().unwrap());
    assert_eq!(
        posted,
        account.opening_minor + present_minor,
        "seed {seed}: account {} holds its opening balance plus the writes it kept",
        account.id
    );
    account
        .writes
        .iter()
        .filter(|w| w.answer.is_none() && found.contains_key(&w.reference_id))
        .count()
}

/// After the last restart, through Clowd9 itself: a retry of every acknowledged write answers
/// as it did (a replay: only the trace id differs) and moves nothing; a retry of every write
/// that got no answer is applied if it was lost, replayed if it was kept, so each is there
/// exactly once afterwards.
fn retries_replay_and_apply_exactly_once(
    server: &Server,
    token: &str,
    accounts: &mut [Account],
    seed: u64,
) {
    let c9_token = server.clowd9_login();
    for account in accounts.iter_mut() {
        let before = server.entries(token, &account.id).len();
        for write in account.writes.iter().filter(|w| w.answer.is_some()) {
            let body = clowd9_credit(&account.clowd9_id, write.amount_minor, &write.reference_id);
            let (status, mut again) = server.send("POST", WRITE_PATH, &c9_token, Some(&body));
            assert_eq!(status, 200, "seed {seed}: retry of {}: {again}", write.reference_id);
            let mut first = write.answer.clone().unwrap();
            for answer in [&mut first, &mut again] {
                answer.as_object_mut().unwrap().remove("trace_id");
            }
            assert_eq!(again, first, "seed {seed}: a retry of {} replays", write.reference_id);
        }
        let after = server.entries(token, &account.id).len();
        assert_eq!(after, before, "seed {seed}: replays move nothing");
        for write in account.writes.iter_mut().filter(|w| w.answer.is_none()) {
            let body = clowd9_credit(&account.clowd9_id, write.amount_minor, &write.reference_id);
            let (status, answer) = server.send("POST", WRITE_PATH, &c9_token, Some(&body));
            assert_eq!(status, 200, "seed {seed}: retry of {}: {answer}", write.reference_id);
            write.answer = Some(answer);
        }
        // Every write now has an answer: each must be there exactly once.
        let unanswered = assert_kept_at_most_once(server, token, account, seed);
        assert_eq!(unanswered, 0);
    }
}
