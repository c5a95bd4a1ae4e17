//! The `%changelog` entry the render writes for a new dist-git state.

use super::series::SeriesPatch;
use crate::snapshot::{Person, SourceSnapshot};
use std::collections::HashMap;

/// `* <date> <committer> - <version>-<release>` and one line per new or changed patch commit.
pub fn entry(snapshot: &SourceSnapshot, series: &[SeriesPatch], release: &str, version_update: bool) -> String {
    let who = &snapshot.candidate.committer;
    let version = &snapshot.release.version;
    let mut out = format!("* {} {} <{}> - {version}-{release}\n", rpm_date(who), who.name, who.email);
    if version_update {
        out.push_str(&format!("- Update to {version}\n"));
    }
    let subjects: HashMap<&str, &str> =
        snapshot.downstream.iter().map(|c| (c.info.id.as_str(), c.info.subject())).collect();
    let mut any = version_update;
    for patch in series.iter().filter(|p| !p.kept_previous) {
        for commit in &patch.commits {
            if let Some(subject) = subjects.get(commit.as_str()).filter(|s| !s.is_empty()) {
                out.push_str(&format!("- {subject}\n"));
                any = true;
            }
        }
    }
    if !any {
        let short = snapshot.candidate.id.get(..12).unwrap_or(&snapshot.candidate.id);
        out.push_str(&format!("- Sync with source-git commit {short}\n"));
    }
    out
}

/// `Sat Nov 21 2026` in the person's own time zone, as `%changelog` wants it.
pub fn rpm_date(person: &Person) -> String {
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    let days = (person.time + i64::from(person.offset)).div_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    let weekday = DAYS[days.rem_euclid(7) as usize];
    format!("{weekday} {} {d:02} {y}", MONTHS[(m - 1) as usize])
}

/// Howard Hinnant's days-to-civil algorithm.
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(time: i64, offset: i32) -> Person {
        Person { name: "A".into(), email: "a@b".into(), time, offset }
    }

    #[test]
    fn dates_are_rpm_formatted_in_local_time() {
        assert_eq!(rpm_date(&at(0, 0)), "Thu Jan 01 1970");
        assert_eq!(rpm_date(&at(1_795_219_200, 0)), "Sat Nov 21 2026");
        assert_eq!(rpm_date(&at(1_795_219_200, -3600)), "Fri Nov 20 2026");
        assert_eq!(rpm_date(&at(951_782_400, 0)), "Tue Feb 29 2000");
    }
}
