//! The human form of the status: one fact per line, labels aligned, a final hint line.

use super::{PolicySource, ReadFrom, Status, SyncState};
use std::io::Write;

/// How many waiting or human commits are listed before "… and N more".
const LISTED: usize = 10;

/// Writes `status` for people.
pub fn write_human(status: &Status, out: &mut dyn Write) -> std::io::Result<()> {
    let line = |out: &mut dyn Write, label: &str, text: &str| writeln!(out, "{label:<10} {text}");
    let tip = &status.tip;
    line(out, "branch", &format!("{} at {} {}", status.branch, short(&tip.id), tip.subject))?;
    let d = &status.dist_git;
    line(out, "dist-git", &format!("{} branch {} (from {})", d.url, d.branch, d.configured_by))?;
    if let Some(u) = &status.upstream {
        line(out, "upstream", &format!("{} ({}), version {}", u.tag, short(&u.commit), u.version))?;
    }
    if let Some(n) = status.downstream_patches {
        line(out, "patches", &format!("{n} downstream"))?;
    }
    write_dist_git(status, out)?;
    write_trust(status, out)?;
    for problem in &status.problems {
        line(out, "problem", problem)?;
    }
    line(out, "hint", &status.hint)
}

/// The dist-git lines: head, last sync, waiting and human commits.
fn write_dist_git(status: &Status, out: &mut dyn Write) -> std::io::Result<()> {
    let line = |out: &mut dyn Write, label: &str, text: &str| writeln!(out, "{label:<10} {text}");
    let Some(state) = &status.dist_git_state else {
        return line(out, "state", "unknown: nothing fetched or pushed yet");
    };
    let seen = match state.read_from {
        ReadFrom::Cache => "as of the last push or fetch",
        ReadFrom::Fetch => "fetched now",
    };
    match &state.head {
        Some(head) => line(out, "head", &format!("{} ({seen})", short(head)))?,
        None => line(out, "head", &format!("no branch {} ({seen})", status.dist_git.branch))?,
    }
    match (&state.last_synced, &state.last_bot_commit) {
        (Some(synced), Some(bot)) => line(out, "synced", &format!("{} (bot commit {})", short(synced), short(bot)))?,
        _ => line(out, "synced", "never")?,
    }
    line(out, "state", &describe(status))?;
    if !status.waiting.is_empty() {
        line(out, "waiting", &format!("{} to sync", count(status.waiting.len(), "commit")))?;
    }
    for c in status.waiting.iter().take(LISTED) {
        writeln!(out, "{:<10}   {} {}", "", short(&c.id), c.subject)?;
    }
    more(out, status.waiting.len())?;
    if !status.human_commits.is_empty() {
        let n = count(status.human_commits.len(), "commit");
        line(out, "by people", &format!("{n} on dist-git on top of the last bot commit"))?;
    }
    for h in status.human_commits.iter().take(LISTED) {
        writeln!(out, "{:<10}   {} {} ({})", "", short(&h.id), h.subject, h.author)?;
    }
    more(out, status.human_commits.len())
}

/// The signature, policy, candidate and rate-limit lines.
fn write_trust(status: &Status, out: &mut dyn Write) -> std::io::Result<()> {
    let line = |out: &mut dyn Write, label: &str, text: &str| writeln!(out, "{label:<10} {text}");
    if let Some(trust) = &status.trust {
        let policy = match (trust.policy, &trust.policy_commit) {
            (PolicySource::DistGit, Some(c)) => format!("[trust] of dist-git distgit.toml at {}", short(c)),
            (PolicySource::FirstUse, _) => "trust on first use: [trust] of the tip's .distro/distgit.toml".into(),
            _ => "none: no [trust] policy, signatures not checked".into(),
        };
        line(out, "policy", &policy)?;
        if let Some(signature) = &status.signature {
            line(out, "signature", &signature.message)?;
        }
        let candidate = match &trust.candidate {
            Some(c) if *c == status.tip.id => format!("{} (the tip)", short(c)),
            Some(c) => {
                format!("{} ({} newer waiting for a trusted signature)", short(c), count(trust.waiting.len(), "commit"))
            }
            None => "none: no trusted commit to sync".into(),
        };
        line(out, "candidate", &candidate)?;
        for w in trust.waiting.iter().filter(|w| w.commit.id != status.tip.id).take(LISTED) {
            writeln!(out, "{:<10}   {} {}: {}", "", short(&w.commit.id), w.commit.subject, w.signature.message)?;
        }
    }
    if let Some(meter) = &status.rate_limit {
        let text = match (&meter.limit, &meter.next_allowed) {
            (Some(limit), Some(at)) => format!("{limit}: reached ({} used); next push at {at}", meter.used),
            (Some(limit), None) => format!("{limit}: {} used, {} left", meter.used, meter.remaining.unwrap_or(0)),
            (None, _) => format!("off ({} in the last day)", count(meter.used as usize, "push")),
        };
        line(out, "rate limit", &text)?;
    }
    Ok(())
}

/// The state line.
fn describe(status: &Status) -> String {
    match status.sync {
        SyncState::NoCache => "unknown",
        SyncState::BranchMissing => "the dist-git branch does not exist yet",
        SyncState::NotMaintained => "not maintained by the bot (no distgit.toml in dist-git)",
        SyncState::Diverged => "diverged: dist-git has commits by people on top of the bot's",
        SyncState::NeverSynced => "never synced",
        SyncState::SyncedElsewhere => "last synced from a commit that is not on this branch",
        SyncState::Ahead => "ahead of dist-git",
        SyncState::UpToDate => "up to date",
    }
    .to_owned()
}

fn more(out: &mut dyn Write, total: usize) -> std::io::Result<()> {
    if total > LISTED {
        writeln!(out, "{:<10}   … and {} more", "", total - LISTED)?;
    }
    Ok(())
}

fn count(n: usize, noun: &str) -> String {
    let plural = if noun.ends_with('h') { "es" } else { "s" };
    format!("{n} {noun}{}", if n == 1 { "" } else { plural })
}

fn short(id: &str) -> &str {
    id.get(..12).unwrap_or(id)
}
