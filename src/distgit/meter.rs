//! Metering: a per-repository rate limit on dist-git pushes, so a runaway bot stops and says
//! so.
//!
//! The limit is git config `distgit.rateLimit`: `N/hour`, `N/day`, `N/<secs>s` or `off`. The
//! post-receive hook applies [`HOOK_DEFAULT`] when it is not set; the remote helper applies it
//! only when set. The pushes made are kept in `<common dir>/distgit/meter.json` (timestamp and
//! branch of each push in the last [`RETENTION_SECS`]), rewritten atomically (temporary file +
//! rename) under a lock file, so the count survives restarts and concurrent hooks.
//!
//! Checking and counting is one atomic step across concurrent syncs: before anything is
//! rendered, uploaded or pushed, a sync takes a [`Reservation`] ([`Meter::reserve`]) under the
//! state's lock, which counts as a push until it is committed (a real push moved dist-git) or
//! released (dropped: nothing was pushed). Two branches syncing at once with one push left:
//! the second is refused while the first is pending. A pending reservation whose process is
//! gone, or older than [`PENDING_STALE_SECS`], no longer counts.

use super::lockfile::{LockError, LockFile};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The git config key holding the limit.
pub const CONFIG_KEY: &str = "distgit.rateLimit";
/// The post-receive hook's limit when [`CONFIG_KEY`] is not set.
pub const HOOK_DEFAULT: &str = "30/hour";
/// How long pushes are remembered; also the longest window accepted.
pub const RETENTION_SECS: u64 = 31 * 86_400;
/// The state file, below `<common dir>/distgit/`.
pub const STATE_FILE: &str = "meter.json";
/// A pending reservation older than this no longer counts (its sync is assumed dead).
pub const PENDING_STALE_SECS: u64 = 6 * 3600;

/// A rate limit: at most `max` dist-git pushes in any `window_secs` seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    /// Pushes allowed in the window (at least 1).
    pub max: u32,
    /// The window length in seconds.
    pub window_secs: u64,
}

/// Why the rate limit or the meter's state could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum MeterError {
    #[error(
        "git config {CONFIG_KEY} = `{value}`: {why}; expected `N/hour`, `N/day`, `N/<seconds>s` \
         (e.g. `30/hour`, `100/day`, `5/600s`) or `off`"
    )]
    BadLimit { value: String, why: String },
    #[error("cannot read the rate-limit state {}: {source}", path.display())]
    Read { path: PathBuf, source: std::io::Error },
    #[error(
        "the rate-limit state {} is not valid ({message}); remove it to start counting afresh",
        path.display()
    )]
    Corrupt { path: PathBuf, message: String },
    #[error("cannot write the rate-limit state {}: {source}", path.display())]
    Write { path: PathBuf, source: std::io::Error },
    #[error(transparent)]
    Lock(#[from] LockError),
}

/// The limit is reached: nothing may be pushed until `next_allowed`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "rate limit reached: {used} dist-git pushes in the last {}{} ({CONFIG_KEY} = {limit}); \
     next push allowed at {next_allowed}; nothing was written",
    window_words(limit.window_secs),
    in_progress_words(*pending)
)]
pub struct RateLimited {
    /// The limit in force.
    pub limit: RateLimit,
    /// Pushes in the current window, the pending ones included.
    pub used: u32,
    /// Of `used`, the syncs still in progress (reserved, not yet pushed).
    pub pending: u32,
    /// When the oldest push in the window leaves it (RFC 3339, UTC).
    pub next_allowed: String,
}

/// Why no push could be reserved.
#[derive(Debug, thiserror::Error)]
pub enum ReserveError {
    /// The limit is reached.
    #[error(transparent)]
    Limited(#[from] RateLimited),
    /// The state could not be read or written.
    #[error(transparent)]
    Meter(#[from] MeterError),
}

/// The meter as `git distgit status` shows it (JSON field names are stable).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MeterState {
    /// The limit (`30/hour`), `None` when off.
    pub limit: Option<String>,
    /// Pushes in the current window (in the last day when there is no limit).
    pub used: u32,
    /// Pushes left in the window; `None` when off.
    pub remaining: Option<u32>,
    /// The window length; `None` when off.
    pub window_seconds: Option<u64>,
    /// When the next push is allowed (RFC 3339, UTC), only when the limit is reached.
    pub next_allowed: Option<String>,
}

impl std::fmt::Display for RateLimit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.window_secs {
            3600 => write!(f, "{}/hour", self.max),
            86_400 => write!(f, "{}/day", self.max),
            secs => write!(f, "{}/{secs}s", self.max),
        }
    }
}

impl RateLimit {
    /// Parses a [`CONFIG_KEY`] value; `off` gives `None`.
    pub fn parse(value: &str) -> Result<Option<RateLimit>, MeterError> {
        let bad = |why: &str| MeterError::BadLimit { value: value.to_owned(), why: why.to_owned() };
        let text = value.trim();
        if text.eq_ignore_ascii_case("off") {
            return Ok(None);
        }
        let (count, window) = text.split_once('/').ok_or_else(|| bad("no `/` between the count and the window"))?;
        let max: u32 = count.trim().parse().map_err(|_| bad("the count is not a whole number"))?;
        if max == 0 {
            return Err(bad("the count must be at least 1 (use `off` to disable the limit)"));
        }
        let window_secs = match window.trim() {
            "hour" => 3600,
            "day" => 86_400,
            w => w
                .strip_suffix('s')
                .and_then(|n| n.parse::<u64>().ok())
                .filter(|n| *n > 0)
                .ok_or_else(|| bad("unknown window"))?,
        };
        if window_secs > RETENTION_SECS {
            return Err(bad(&format!("the window is longer than {RETENTION_SECS} seconds (31 days)")));
        }
        Ok(Some(RateLimit { max, window_secs }))
    }

    /// The limit configured in `repo` (its config, global included), or `default` (parsed the
    /// same way) when [`CONFIG_KEY`] is not set.
    pub fn configured(repo: &gix::Repository, default: Option<&str>) -> Result<Option<RateLimit>, MeterError> {
        let config = repo.config_snapshot();
        match config.string(CONFIG_KEY).map(|v| v.to_string()) {
            Some(value) => RateLimit::parse(&value),
            None => default.map(RateLimit::parse).transpose().map(Option::flatten),
        }
    }
}

/// A repository's meter with the limit in force, as one run applies it.
#[derive(Debug)]
pub struct Metered {
    meter: Meter,
    limit: Option<RateLimit>,
}

impl Metered {
    /// The meter of `repo` under its configured limit, or `default` when [`CONFIG_KEY`] is
    /// not set (`None`: no limit).
    pub fn open(repo: &gix::Repository, default: Option<&str>) -> Result<Metered, MeterError> {
        let limit = RateLimit::configured(repo, default)?;
        let meter = Meter::open(repo.common_dir())?;
        Ok(Metered { meter, limit })
    }

    /// Whether [`CONFIG_KEY`] is set in `repo`'s config.
    pub fn is_configured(repo: &gix::Repository) -> bool {
        repo.config_snapshot().string(CONFIG_KEY).is_some()
    }

    /// The limit in force.
    pub fn limit(&self) -> Option<&RateLimit> {
        self.limit.as_ref()
    }

    /// Refuses when the limit is reached (never without a limit).
    pub fn check(&self, now: SystemTime) -> Result<(), RateLimited> {
        self.limit.as_ref().map_or(Ok(()), |limit| self.meter.check(limit, now))
    }

    /// Records a push of dist-git `branch`.
    pub fn record(&mut self, branch: &str, now: SystemTime) -> Result<(), MeterError> {
        self.meter.record(branch, now)
    }

    /// Reserves one push under the limit in force (see [`Meter::reserve`]); without a limit
    /// nothing is reserved and committing only records the push.
    pub fn reserve(&mut self, now: SystemTime) -> Result<Reservation, ReserveError> {
        match self.limit {
            Some(limit) => self.meter.reserve(&limit, now),
            None => Ok(Reservation { path: self.meter.path.clone(), token: None, done: false }),
        }
    }

    /// The state under the limit in force.
    pub fn state(&self, now: SystemTime) -> MeterState {
        self.meter.state(self.limit.as_ref(), now)
    }
}

/// One recorded push.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Push {
    /// Seconds since the Unix epoch.
    at: u64,
    /// The dist-git branch pushed.
    branch: String,
}

/// A sync in progress that counts as a push (see [`Reservation`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Pending {
    /// Names the reservation (process id, time, counter).
    token: String,
    /// The process holding it.
    pid: u32,
    /// Seconds since the Unix epoch.
    at: u64,
}

impl Pending {
    /// Its process is gone, or it is older than [`PENDING_STALE_SECS`] at `now`.
    fn is_stale(&self, now: u64) -> bool {
        let gone = Path::new("/proc/self").exists() && !Path::new(&format!("/proc/{}", self.pid)).exists();
        gone || self.at.saturating_add(PENDING_STALE_SECS) <= now
    }
}

/// The state file's content.
#[derive(Debug, Default, Serialize, Deserialize)]
struct StateFile {
    pushes: Vec<Push>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pending: Vec<Pending>,
}

/// One push reserved under the limit: counts as a push until [`Reservation::commit`] (the
/// push happened) or until dropped (nothing was pushed: the slot is freed).
#[derive(Debug)]
#[must_use = "dropping a reservation releases it"]
pub struct Reservation {
    path: PathBuf,
    /// The pending entry in the state file; `None` when there is no limit.
    token: Option<String>,
    done: bool,
}

impl Reservation {
    /// Turns the reservation into a recorded push of dist-git `branch` at `now`.
    pub fn commit(mut self, branch: &str, now: SystemTime) -> Result<(), MeterError> {
        self.done = true;
        let token = self.token.take();
        update_state(&self.path, |state| {
            state.pending.retain(|p| Some(&p.token) != token.as_ref());
            let at = seconds(now);
            state.pushes.retain(|p| p.at.saturating_add(RETENTION_SECS) > at);
            state.pushes.push(Push { at, branch: branch.to_owned() });
        })
        .map(drop)
    }
}

impl Drop for Reservation {
    fn drop(&mut self) {
        if self.done {
            return;
        }
        if let Some(token) = self.token.take() {
            let _ = update_state(&self.path, |state| state.pending.retain(|p| p.token != token));
        }
    }
}

/// Reads the state under its lock, changes it with `change` and writes it back; returns it.
fn update_state(path: &Path, change: impl FnOnce(&mut StateFile)) -> Result<StateFile, MeterError> {
    let lock = path.with_extension("lock");
    let _held = LockFile::acquire(&lock, Duration::from_secs(30), Duration::from_secs(60))?;
    let mut state = read_state(path)?;
    change(&mut state);
    write_state(path, &state)?;
    Ok(state)
}

/// A token naming one reservation of this process.
fn new_token(now: SystemTime) -> String {
    static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.subsec_nanos()).unwrap_or(0);
    format!("{}-{}.{nanos}-{n}", std::process::id(), seconds(now))
}

/// The pushes made from one repository.
#[derive(Debug)]
pub struct Meter {
    path: PathBuf,
    pushes: Vec<Push>,
}

impl Meter {
    /// Opens the meter of the repository whose common git dir is `common_dir` (no file yet =
    /// no pushes).
    pub fn open(common_dir: &Path) -> Result<Meter, MeterError> {
        let path = common_dir.join("distgit").join(STATE_FILE);
        let pushes = read_state(&path)?.pushes;
        Ok(Meter { path, pushes })
    }

    /// Where the state is kept.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Refuses when `limit` pushes were already made in the window ending at `now` (as last
    /// read; pending reservations are not counted here, [`Meter::reserve`] counts them).
    pub fn check(&self, limit: &RateLimit, now: SystemTime) -> Result<(), RateLimited> {
        self.check_with(limit, now, 0)
    }

    /// [`Meter::check`] with `pending` syncs in progress counted as pushes.
    fn check_with(&self, limit: &RateLimit, now: SystemTime, pending: u32) -> Result<(), RateLimited> {
        let in_window = self.in_window(limit.window_secs, now);
        let used = count(&in_window).saturating_add(pending);
        if used < limit.max {
            return Ok(());
        }
        let oldest = in_window.iter().map(|p| p.at).min().unwrap_or_else(|| seconds(now));
        let next_allowed = rfc3339(oldest.saturating_add(limit.window_secs));
        Err(RateLimited { limit: *limit, used, pending, next_allowed })
    }

    /// Checks `limit` and reserves one push, in one step under the state's lock: the pushes
    /// in the window plus the reservations still pending (from any process) must be fewer than
    /// the limit. The reservation counts until committed or dropped.
    pub fn reserve(&mut self, limit: &RateLimit, now: SystemTime) -> Result<Reservation, ReserveError> {
        let token = new_token(now);
        let mut refused = None;
        let path = self.path.clone();
        let state = update_state(&path, |state| {
            let at = seconds(now);
            state.pending.retain(|p| !p.is_stale(at));
            self.pushes = state.pushes.clone();
            let pending = u32::try_from(state.pending.len()).unwrap_or(u32::MAX);
            match self.check_with(limit, now, pending) {
                Ok(()) => state.pending.push(Pending { token: token.clone(), pid: std::process::id(), at }),
                Err(e) => refused = Some(e),
            }
        })?;
        self.pushes = state.pushes;
        match refused {
            Some(e) => Err(e.into()),
            None => Ok(Reservation { path, token: Some(token), done: false }),
        }
    }

    /// Records a push of `branch` at `now` (re-reading the file under the lock, so concurrent
    /// recorders add up) and forgets pushes older than [`RETENTION_SECS`].
    pub fn record(&mut self, branch: &str, now: SystemTime) -> Result<(), MeterError> {
        let at = seconds(now);
        let state = update_state(&self.path, |state| {
            state.pushes.retain(|p| p.at.saturating_add(RETENTION_SECS) > at);
            state.pushes.push(Push { at, branch: branch.to_owned() });
        })?;
        self.pushes = state.pushes;
        Ok(())
    }

    /// The meter's state under `limit` (`None`: no limit) at `now`.
    pub fn state(&self, limit: Option<&RateLimit>, now: SystemTime) -> MeterState {
        let Some(limit) = limit else {
            let used = count(&self.in_window(86_400, now));
            return MeterState { limit: None, used, remaining: None, window_seconds: None, next_allowed: None };
        };
        let used = count(&self.in_window(limit.window_secs, now));
        MeterState {
            limit: Some(limit.to_string()),
            used,
            remaining: Some(limit.max.saturating_sub(used)),
            window_seconds: Some(limit.window_secs),
            next_allowed: self.check(limit, now).err().map(|e| e.next_allowed),
        }
    }

    /// The pushes in the `window` seconds ending at `now`.
    fn in_window(&self, window: u64, now: SystemTime) -> Vec<&Push> {
        let now = seconds(now);
        self.pushes.iter().filter(|p| p.at <= now && p.at.saturating_add(window) > now).collect()
    }
}

fn count(pushes: &[&Push]) -> u32 {
    u32::try_from(pushes.len()).unwrap_or(u32::MAX)
}

/// `, 2 of them in progress` (nothing when none are).
fn in_progress_words(pending: u32) -> String {
    if pending == 0 {
        String::new()
    } else {
        format!(", {pending} of them in progress")
    }
}

/// The human words for a window length (`hour`, `day`, `600 seconds`).
fn window_words(secs: u64) -> String {
    match secs {
        3600 => "hour".into(),
        86_400 => "day".into(),
        s => format!("{s} seconds"),
    }
}

/// Seconds since the epoch (0 before it).
fn seconds(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
}

/// `2026-11-21T00:00:00Z`.
pub fn rfc3339(secs: u64) -> String {
    i64::try_from(secs)
        .ok()
        .and_then(|s| jiff::Timestamp::from_second(s).ok())
        .map(|t| t.to_string())
        .unwrap_or_else(|| format!("@{secs}"))
}

fn read_state(path: &Path) -> Result<StateFile, MeterError> {
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(StateFile::default()),
        Err(source) => return Err(MeterError::Read { path: path.to_owned(), source }),
    };
    serde_json::from_slice(&bytes).map_err(|e| MeterError::Corrupt { path: path.to_owned(), message: e.to_string() })
}

fn write_state(path: &Path, state: &StateFile) -> Result<(), MeterError> {
    let fail = |source| MeterError::Write { path: path.to_owned(), source };
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(fail)?;
    let mut temp = tempfile::Builder::new().prefix(".meter-").tempfile_in(dir).map_err(fail)?;
    let bytes = serde_json::to_vec_pretty(state).map_err(|e| fail(std::io::Error::other(e)))?;
    std::io::Write::write_all(&mut temp, &bytes).map_err(fail)?;
    temp.as_file().sync_all().map_err(fail)?;
    temp.persist(path).map_err(|e| fail(e.error))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(secs: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(secs)
    }

    #[test]
    fn limits_parse_and_print() {
        assert_eq!(RateLimit::parse("30/hour").unwrap(), Some(RateLimit { max: 30, window_secs: 3600 }));
        assert_eq!(RateLimit::parse(" 5/day ").unwrap(), Some(RateLimit { max: 5, window_secs: 86_400 }));
        assert_eq!(RateLimit::parse("2/90s").unwrap(), Some(RateLimit { max: 2, window_secs: 90 }));
        assert_eq!(RateLimit::parse("OFF").unwrap(), None);
        assert_eq!(RateLimit::parse("2/90s").unwrap().unwrap().to_string(), "2/90s");
        for bad in ["", "30", "x/hour", "0/hour", "3/week", "3/0s", "3/99999999s", "-1/hour"] {
            let err = RateLimit::parse(bad).unwrap_err().to_string();
            assert!(err.contains("distgit.rateLimit") && err.contains("`N/hour`"), "{bad}: {err}");
        }
    }

    #[test]
    fn the_third_push_in_the_window_is_refused_and_the_state_survives() {
        let dir = tempfile::tempdir().unwrap();
        let limit = RateLimit { max: 2, window_secs: 3600 };
        let t0 = 1_795_219_200;
        let mut meter = Meter::open(dir.path()).unwrap();
        meter.check(&limit, at(t0)).unwrap();
        meter.record("rawhide", at(t0)).unwrap();
        meter.record("f41", at(t0 + 60)).unwrap();
        let again = Meter::open(dir.path()).unwrap();
        let refused = again.check(&limit, at(t0 + 120)).unwrap_err();
        assert_eq!(
            refused.to_string(),
            "rate limit reached: 2 dist-git pushes in the last hour (distgit.rateLimit = 2/hour); \
             next push allowed at 2026-11-21T01:00:00Z; nothing was written"
        );
        again.check(&limit, at(t0 + 3600)).unwrap();
        let state = again.state(Some(&limit), at(t0 + 120));
        assert_eq!((state.used, state.remaining, state.window_seconds), (2, Some(0), Some(3600)));
        assert_eq!(state.next_allowed.as_deref(), Some("2026-11-21T01:00:00Z"));
        assert_eq!(again.state(None, at(t0 + 120)).limit, None);
    }

    #[test]
    fn old_pushes_are_forgotten_and_a_corrupt_file_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let mut meter = Meter::open(dir.path()).unwrap();
        meter.record("a", at(1000)).unwrap();
        meter.record("b", at(1000 + RETENTION_SECS)).unwrap();
        let text = std::fs::read_to_string(meter.path()).unwrap();
        assert!(!text.contains("\"a\"") && text.contains("\"b\""), "{text}");
        std::fs::write(meter.path(), "{").unwrap();
        let err = Meter::open(dir.path()).unwrap_err().to_string();
        assert!(err.contains("meter.json") && err.contains("remove it"), "{err}");
    }

    #[test]
    fn a_pending_reservation_counts_until_released_or_committed() {
        let dir = tempfile::tempdir().unwrap();
        let limit = RateLimit { max: 1, window_secs: 3600 };
        let t0 = 1_795_219_200;
        // Two syncs at once (two meters, as in two processes), one push left.
        let mut first_meter = Meter::open(dir.path()).unwrap();
        let mut second_meter = Meter::open(dir.path()).unwrap();
        let first = first_meter.reserve(&limit, at(t0)).unwrap();
        let refused = second_meter.reserve(&limit, at(t0 + 1)).unwrap_err();
        assert!(matches!(&refused, ReserveError::Limited(r) if r.used == 1 && r.pending == 1), "{refused:?}");
        assert!(refused.to_string().contains("1 dist-git pushes in the last hour, 1 of them in progress"), "{refused}");
        // Nothing was pushed: released, the slot is free again.
        drop(first);
        let second = second_meter.reserve(&limit, at(t0 + 2)).unwrap();
        // A real push: committed, it counts as a push and no longer as pending.
        second.commit("f41", at(t0 + 3)).unwrap();
        let refused = first_meter.reserve(&limit, at(t0 + 4)).unwrap_err();
        assert!(matches!(&refused, ReserveError::Limited(r) if r.used == 1 && r.pending == 0), "{refused:?}");
        let text = std::fs::read_to_string(first_meter.path()).unwrap();
        assert!(!text.contains("pending"), "{text}");
        first_meter.reserve(&limit, at(t0 + 3 + 3600)).unwrap().commit("rawhide", at(t0 + 3600 + 4)).unwrap();
    }

    #[test]
    fn a_reservation_of_a_dead_process_no_longer_counts() {
        let dir = tempfile::tempdir().unwrap();
        let limit = RateLimit { max: 1, window_secs: 3600 };
        let mut meter = Meter::open(dir.path()).unwrap();
        let state = r#"{"pushes": [], "pending": [{"token": "x", "pid": 4194304999, "at": 1000}]}"#;
        std::fs::create_dir_all(meter.path().parent().unwrap()).unwrap();
        std::fs::write(meter.path(), state).unwrap();
        meter.reserve(&limit, at(1001)).unwrap().commit("rawhide", at(1002)).unwrap();
    }
}
