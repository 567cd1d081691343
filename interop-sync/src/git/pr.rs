//! Pull-request text generated from a sync: a title, a markdown body (what changed per
//! resource, diff stats against a budget, conflicts, checks) and the commit message. Calling a
//! forge's API is the vendor's job; Interop gives the text and the branch.

use std::fmt::Write as _;

use similar::{ChangeTag, TextDiff};

/// What happened to one resource.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case", tag = "change")]
pub enum ResourceChangeKind {
    /// New in the repo.
    Added,
    /// Fields changed.
    Modified,
    /// Removed from the repo.
    Removed,
    /// Renamed (identity kept).
    Renamed {
        /// The old unique id.
        from: String,
    },
    /// Moved to another file.
    Moved {
        /// The old file.
        from: String,
    },
}

impl ResourceChangeKind {
    /// The one-character sign used in plans: `+ ~ - ⇄ →`.
    pub fn sign(&self) -> &'static str {
        match self {
            ResourceChangeKind::Added => "+",
            ResourceChangeKind::Modified => "~",
            ResourceChangeKind::Removed => "-",
            ResourceChangeKind::Renamed { .. } => "⇄",
            ResourceChangeKind::Moved { .. } => "→",
        }
    }
}

/// One resource's change, for the PR text.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ResourceChange {
    /// The resource's unique id (after the change).
    pub resource: String,
    /// What happened.
    #[serde(flatten)]
    pub kind: ResourceChangeKind,
    /// The fields that changed (`description`, `columns[name=id].description`).
    pub fields: Vec<String>,
}

/// A check that ran on the result.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CheckRun {
    /// What was checked.
    pub name: String,
    /// Whether it passed.
    pub passed: bool,
    /// Details (one line).
    pub detail: String,
}

/// Lines added and removed over the changed files.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct DiffStats {
    /// Files changed, added or deleted.
    pub files: usize,
    /// Lines added.
    pub insertions: usize,
    /// Lines removed.
    pub deletions: usize,
}

impl DiffStats {
    /// Counts the lines of each `(before, after)` pair (`None` = no file on that side).
    pub fn of<'a>(files: impl IntoIterator<Item = (Option<&'a str>, Option<&'a str>)>) -> Self {
        let mut stats = DiffStats::default();
        for (before, after) in files {
            stats.files += 1;
            let diff = TextDiff::from_lines(before.unwrap_or(""), after.unwrap_or(""));
            for change in diff.iter_all_changes() {
                match change.tag() {
                    ChangeTag::Insert => stats.insertions += 1,
                    ChangeTag::Delete => stats.deletions += 1,
                    ChangeTag::Equal => {}
                }
            }
        }
        stats
    }

    /// Changed lines in all.
    pub fn lines(&self) -> usize {
        self.insertions + self.deletions
    }
}

/// Everything the PR text is made from.
#[derive(Debug, Clone, Default)]
pub struct PrInput {
    /// The vendor (`acme-bi`).
    pub vendor: String,
    /// The sync branch (`interop/acme-bi`).
    pub branch: String,
    /// The main branch (`main`).
    pub main_branch: String,
    /// Per-resource changes.
    pub changes: Vec<ResourceChange>,
    /// Diff stats of the commit.
    pub stats: DiffStats,
    /// Conflicts, one line each (resource, field, what was kept).
    pub conflicts: Vec<String>,
    /// Checks that ran.
    pub checks: Vec<CheckRun>,
    /// The diff-size budget in changed lines (0: no budget).
    pub budget_lines: usize,
}

/// A generated pull request.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PrText {
    /// One line.
    pub title: String,
    /// Markdown.
    pub body: String,
    /// The commit message (title, blank line, one line per resource).
    pub commit_message: String,
    /// Whether the diff is over the budget.
    pub over_budget: bool,
}

impl PrInput {
    /// Renders the title, body and commit message.
    pub fn render(&self) -> PrText {
        let title = format!("{}: {}", self.vendor, self.summary());
        let over_budget = self.budget_lines > 0 && self.stats.lines() > self.budget_lines;
        let mut body = String::new();
        let _ = writeln!(
            body,
            "Changes from **{}**, synced by Interop. This branch (`{}`) is recomputed from `{}` \
             on every sync, so this pull request is updated in place; edit anything you like \
             here or on `{}` and the next sync takes it into account.\n",
            self.vendor, self.branch, self.main_branch, self.main_branch
        );
        body.push_str("### Resources\n\n");
        if self.changes.is_empty() {
            body.push_str("No resource changes.\n");
        } else {
            body.push_str("| | resource | what changed |\n|---|---|---|\n");
            for change in &self.changes {
                let what = match &change.kind {
                    ResourceChangeKind::Added => "added".to_string(),
                    ResourceChangeKind::Removed => "removed".to_string(),
                    ResourceChangeKind::Renamed { from } => format!("renamed from `{from}`"),
                    ResourceChangeKind::Moved { from } => format!("moved from `{from}`"),
                    ResourceChangeKind::Modified => change
                        .fields
                        .iter()
                        .map(|f| format!("`{f}`"))
                        .collect::<Vec<_>>()
                        .join(", "),
                };
                let _ = writeln!(
                    body,
                    "| {} | `{}` | {} |",
                    change.kind.sign(),
                    change.resource,
                    what
                );
            }
        }
        let _ = write!(
            body,
            "\n### Diff\n\n{} file{}, +{} −{} lines",
            self.stats.files,
            if self.stats.files == 1 { "" } else { "s" },
            self.stats.insertions,
            self.stats.deletions
        );
        if self.budget_lines > 0 {
            let _ = write!(
                body,
                " ({} of a {}-line budget{})",
                self.stats.lines(),
                self.budget_lines,
                if over_budget {
                    ": **over budget**, consider reviewing it in parts"
                } else {
                    ""
                }
            );
        }
        body.push_str(".\n\n### Conflicts\n\n");
        if self.conflicts.is_empty() {
            body.push_str("None.\n");
        } else {
            let _ = writeln!(
                body,
                "These fields changed both here and in {} since the last sync. The repo's \
                 version is kept until someone resolves them:\n",
                self.vendor
            );
            for conflict in &self.conflicts {
                let _ = writeln!(body, "- {conflict}");
            }
        }
        if !self.checks.is_empty() {
            body.push_str("\n### Checks\n\n");
            for check in &self.checks {
                let _ = writeln!(
                    body,
                    "- {} {}: {}",
                    if check.passed { "✅" } else { "❌" },
                    check.name,
                    check.detail
                );
            }
        }
        let mut commit_message = format!("{title}\n\n");
        for change in &self.changes {
            let _ = writeln!(commit_message, "{} {}", change.kind.sign(), change.resource);
        }
        PrText {
            title,
            body,
            commit_message: commit_message.trim_end().to_string() + "\n",
            over_budget,
        }
    }

    /// `2 added, 1 changed, 1 removed` (or `no changes`).
    fn summary(&self) -> String {
        let count =
            |f: fn(&ResourceChangeKind) -> bool| self.changes.iter().filter(|c| f(&c.kind)).count();
        let parts = [
            (count(|k| matches!(k, ResourceChangeKind::Added)), "added"),
            (
                count(|k| matches!(k, ResourceChangeKind::Modified)),
                "changed",
            ),
            (
                count(|k| matches!(k, ResourceChangeKind::Renamed { .. })),
                "renamed",
            ),
            (
                count(|k| matches!(k, ResourceChangeKind::Moved { .. })),
                "moved",
            ),
            (
                count(|k| matches!(k, ResourceChangeKind::Removed)),
                "removed",
            ),
        ];
        let text: Vec<String> = parts
            .iter()
            .filter(|(n, _)| *n > 0)
            .map(|(n, what)| format!("{n} {what}"))
            .collect();
        if text.is_empty() {
            "no changes".into()
        } else {
            let noun = if self.changes.len() == 1 {
                "resource"
            } else {
                "resources"
            };
            format!("{} {noun}", text.join(", "))
        }
    }
}
