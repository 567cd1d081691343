//! The scenario format: one YAML file per requirement. A scenario names its category and level,
//! states the requirement in one sentence, starts from a fixture repo (or none), and lists steps
//! for the vendors and the customer, each with what must hold afterwards.
//!
//! ```yaml
//! id: bi.rename-keeps-identity
//! category: bi
//! level: reference
//! requirement: A metric the customer renames in the repo keeps its identity.
//! repo: shop                  # a fixture project (interop-sync/tests/fixtures/projects), or `none`
//! steps:
//!   - put: {objects: [{id: m-1, kind: metric, name: arpu, value: {...}}]}
//!   - sync: {}
//!     expect: {sync: {commit: new}}
//!   - merge: {}
//! ```
//!
//! Every key is checked: a misspelt key is an error naming the file, not a silently ignored
//! line. The full reference is `conformance/README.md`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

/// How far a requirement goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    /// What every integration of the category must do.
    Reference,
    /// What the best integrations do.
    NiceToHave,
}

impl Level {
    /// The level as written in scenario files.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Reference => "reference",
            Level::NiceToHave => "nice_to_have",
        }
    }
}

impl std::str::FromStr for Level {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "reference" => Ok(Level::Reference),
            "nice_to_have" | "nice-to-have" => Ok(Level::NiceToHave),
            other => Err(format!("unknown level '{other}' (reference, nice_to_have)")),
        }
    }
}

/// Where a scenario starts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum StartRepo {
    /// No repository: the vendor creates it (the scaffold of `interop init`).
    None,
    /// A copy of a fixture folder, committed as the first commit of `main`.
    Fixture(String),
}

impl<'de> Deserialize<'de> for StartRepo {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Ok(match text.as_str() {
            "none" | "no repo" => StartRepo::None,
            _ => StartRepo::Fixture(text),
        })
    }
}

/// One scenario: a requirement, made executable.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// A stable id, `<category>.<requirement-slug>`.
    pub id: String,
    /// The vendor category it certifies (`bi`, `observability`, `catalog`, ...; `any` for
    /// requirements that hold across categories and name their vendors' categories).
    pub category: String,
    /// The level.
    pub level: Level,
    /// The requirement, in one sentence.
    pub requirement: String,
    /// Where it starts: a fixture folder name or `none`.
    pub repo: StartRepo,
    /// The vendors taking part, name → category. Default: one vendor named `vendor` of the
    /// scenario's category.
    #[serde(default)]
    pub vendors: BTreeMap<String, String>,
    /// The steps, in order.
    pub steps: Vec<Step>,
    /// The file the scenario was read from (set by the loader).
    #[serde(skip)]
    pub path: Option<PathBuf>,
}

impl Scenario {
    /// The vendors, with the default applied.
    pub fn vendor_categories(&self) -> BTreeMap<String, String> {
        if self.vendors.is_empty() {
            BTreeMap::from([("vendor".to_string(), self.category.clone())])
        } else {
            self.vendors.clone()
        }
    }
}

/// One step: an action and what must hold after it.
#[derive(Debug, Clone, Serialize)]
pub struct Step {
    /// What happens.
    pub action: Action,
    /// What must hold afterwards.
    pub expect: Expect,
    /// A note for people reading the report.
    pub note: Option<String>,
}

impl<'de> Deserialize<'de> for Step {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        let Value::Object(mut map) = Value::deserialize(d)? else {
            return Err(D::Error::custom(
                "a step is a mapping with one action key (put, sync, merge ...) and an optional expect",
            ));
        };
        let expect = match map.remove("expect") {
            Some(v) => {
                serde_json::from_value(v).map_err(|e| D::Error::custom(format!("expect: {e}")))?
            }
            None => Expect::default(),
        };
        let note = match map.remove("note") {
            Some(Value::String(s)) => Some(s),
            Some(_) => return Err(D::Error::custom("note: a string")),
            None => None,
        };
        if map.len() != 1 {
            let keys: Vec<&String> = map.keys().collect();
            return Err(D::Error::custom(format!(
                "a step has exactly one action key besides expect and note, found {keys:?} (actions: {})",
                Action::NAMES.join(", ")
            )));
        }
        let (key, value) = map.into_iter().next().expect("one key");
        let value = if value.is_null() {
            Value::Object(Default::default())
        } else {
            value
        };
        let action =
            serde_json::from_value(Value::Object([(key.clone(), value)].into_iter().collect()))
                .map_err(|e| D::Error::custom(format!("{key}: {e}")))?;
        Ok(Step {
            action,
            expect,
            note,
        })
    }
}

/// What a step does. Vendor actions name the vendor when a scenario has more than one.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Action {
    /// Vendor: create or replace objects in the tool.
    Put {
        /// The vendor (default: the only one).
        #[serde(default)]
        vendor: Option<String>,
        /// The objects (a category object `{id, category, <type>: {...}}` or the generic form
        /// `{id, kind, name, value, file?}`; see `object`).
        objects: Vec<Value>,
    },
    /// Vendor: edit fields of objects already in the tool (a merge patch on `value`, and
    /// optionally a new `name` or `file`).
    Edit {
        /// The vendor (default: the only one).
        #[serde(default)]
        vendor: Option<String>,
        /// The object's id.
        id: String,
        /// Keys to set in the object's `value` (a category object: its body) — null removes a
        /// key; nested maps merge.
        #[serde(default)]
        set: Value,
        /// A new name (a vendor rename).
        #[serde(default)]
        rename: Option<String>,
    },
    /// Vendor: delete objects from the tool.
    Delete {
        /// The vendor (default: the only one).
        #[serde(default)]
        vendor: Option<String>,
        /// The ids.
        ids: Vec<String>,
    },
    /// Vendor: a sync (plan and apply; the sync branch is pushed to the repo host).
    Sync {
        /// The vendor (default: the only one).
        #[serde(default)]
        vendor: Option<String>,
    },
    /// Vendor: what changed in the repo since the last agreed state.
    Pull {
        /// The vendor (default: the only one).
        #[serde(default)]
        vendor: Option<String>,
    },
    /// Vendor: settle a conflict.
    Resolve {
        /// The vendor (default: the only one).
        #[serde(default)]
        vendor: Option<String>,
        /// The object's id.
        id: String,
        /// The field, as in the conflict (`description`, `columns[name=id].description`).
        field: String,
        /// `vendor` or `repo`.
        choice: String,
    },
    /// Customer: edit a file on main (replace text, exactly once).
    EditFile {
        /// The file, relative to the repo root.
        file: String,
        /// The text to find (it must occur exactly once).
        replace: String,
        /// What it becomes.
        with: String,
    },
    /// Customer: write a whole file on main (a new file, or a rewrite).
    WriteFile {
        /// The file.
        file: String,
        /// Its content.
        content: String,
    },
    /// Customer: rename or move a file on main.
    MoveFile {
        /// The file.
        from: String,
        /// Where it goes.
        to: String,
    },
    /// Customer: delete a file on main.
    DeleteFile {
        /// The file.
        file: String,
    },
    /// Customer: merge a vendor's sync branch into main (a merge commit, or a squash), after
    /// optional edits made on the branch during review.
    Merge {
        /// The vendor (default: the only one).
        #[serde(default)]
        vendor: Option<String>,
        /// Squash-merge instead of a merge commit.
        #[serde(default)]
        squash: bool,
        /// Edits the customer commits on the branch before merging.
        #[serde(default)]
        edits: Vec<FileEdit>,
    },
    /// Customer: close the vendor's pull request without merging (the branch is deleted).
    Close {
        /// The vendor (default: the only one).
        #[serde(default)]
        vendor: Option<String>,
    },
}

impl Action {
    /// The action keys, for messages.
    pub const NAMES: [&'static str; 12] = [
        "put",
        "edit",
        "delete",
        "sync",
        "pull",
        "resolve",
        "edit_file",
        "write_file",
        "move_file",
        "delete_file",
        "merge",
        "close",
    ];

    /// A short label for reports: `sync (acme-bi)`, `edit_file models/x.yml`.
    pub fn label(&self) -> String {
        let v = |vendor: &Option<String>| {
            vendor
                .as_deref()
                .map(|v| format!(" ({v})"))
                .unwrap_or_default()
        };
        match self {
            Action::Put { vendor, objects } => {
                let ids: Vec<&str> = objects
                    .iter()
                    .filter_map(|o| o.get("id").and_then(Value::as_str))
                    .collect();
                format!("put {}{}", ids.join(", "), v(vendor))
            }
            Action::Edit { vendor, id, .. } => format!("edit {id}{}", v(vendor)),
            Action::Delete { vendor, ids } => format!("delete {}{}", ids.join(", "), v(vendor)),
            Action::Sync { vendor } => format!("sync{}", v(vendor)),
            Action::Pull { vendor } => format!("pull{}", v(vendor)),
            Action::Resolve {
                vendor,
                id,
                field,
                choice,
            } => format!("resolve {id} {field} → {choice}{}", v(vendor)),
            Action::EditFile { file, .. } => format!("customer edits {file}"),
            Action::WriteFile { file, .. } => format!("customer writes {file}"),
            Action::MoveFile { from, to } => format!("customer moves {from} → {to}"),
            Action::DeleteFile { file } => format!("customer deletes {file}"),
            Action::Merge {
                vendor,
                squash,
                edits,
            } => format!(
                "customer {}{}{}",
                if *squash { "squash-merges" } else { "merges" },
                if edits.is_empty() { "" } else { " with edits" },
                v(vendor)
            ),
            Action::Close { vendor } => format!("customer closes the PR{}", v(vendor)),
        }
    }

    /// The vendor a vendor action (or a merge/close) names.
    pub fn vendor(&self) -> Option<&Option<String>> {
        match self {
            Action::Put { vendor, .. }
            | Action::Edit { vendor, .. }
            | Action::Delete { vendor, .. }
            | Action::Sync { vendor }
            | Action::Pull { vendor }
            | Action::Resolve { vendor, .. }
            | Action::Merge { vendor, .. }
            | Action::Close { vendor } => Some(vendor),
            _ => None,
        }
    }
}

/// A text edit of one file (during review, on the sync branch).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileEdit {
    /// The file.
    pub file: String,
    /// The text to find (exactly once).
    pub replace: String,
    /// What it becomes.
    pub with: String,
}

/// A list expectation: either a plain list (each entry must be matched) or the long form.
/// An entry matches an item when every key the entry gives has the same value in the item
/// (maps compare the keys given, recursively; lists and scalars compare exactly).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListExpect {
    /// Entries that must each match some item.
    #[serde(default)]
    pub include: Vec<Value>,
    /// Entries that no item may match.
    #[serde(default)]
    pub exclude: Vec<Value>,
    /// The exact number of items.
    #[serde(default)]
    pub count: Option<usize>,
}

impl ListExpect {
    /// Reads the short form (a list: `include`) or the long form.
    fn from_value(value: Value) -> Result<Self, serde_json::Error> {
        match value {
            Value::Array(items) => Ok(ListExpect {
                include: items,
                ..ListExpect::default()
            }),
            other => serde_json::from_value(other),
        }
    }
}

fn list_expect<'de, D: Deserializer<'de>>(d: D) -> Result<Option<ListExpect>, D::Error> {
    let value = Value::deserialize(d)?;
    ListExpect::from_value(value)
        .map(Some)
        .map_err(serde::de::Error::custom)
}

/// What a sync must have done.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CommitExpect {
    /// A new commit on the sync branch.
    New,
    /// No new commit (the branch, if any, stays where it was).
    Unchanged,
}

/// Expectations on a sync's result.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SyncExpect {
    /// Whether the sync wrote a new commit.
    #[serde(default)]
    pub commit: Option<CommitExpect>,
    /// The repo-side resource changes (`{resource, change}` entries).
    #[serde(default, deserialize_with = "list_expect")]
    pub changes: Option<ListExpect>,
}

/// Expectations on a tree of the repo (main, or a vendor's sync branch).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TreeExpect {
    /// For a sync branch: the vendor (default: the only one).
    #[serde(default)]
    pub vendor: Option<String>,
    /// Whether the branch exists.
    #[serde(default)]
    pub exists: Option<bool>,
    /// Commits on the branch that main does not have.
    #[serde(default)]
    pub ahead: Option<usize>,
    /// Commits on main that the branch does not have.
    #[serde(default)]
    pub behind: Option<usize>,
    /// Unique ids that must be declared (read with Interop).
    #[serde(default)]
    pub resources: Vec<String>,
    /// Unique ids that must not be declared.
    #[serde(default)]
    pub absent: Vec<String>,
    /// Checks of file contents, by path.
    #[serde(default)]
    pub files: BTreeMap<String, FileExpect>,
    /// Same tree (byte for byte) as another ref: `main` or a vendor's name.
    #[serde(default)]
    pub same_as: Option<String>,
}

/// Checks of one file.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileExpect {
    /// Whether the file exists.
    #[serde(default)]
    pub exists: Option<bool>,
    /// Texts the file must contain.
    #[serde(default)]
    pub contains: Vec<String>,
    /// Texts it must not contain.
    #[serde(default)]
    pub lacks: Vec<String>,
    /// Bytes identical to the file at the start of the scenario.
    #[serde(default)]
    pub unchanged: bool,
}

/// What must hold after a step. Every key is optional; checks the runner makes after every
/// step (parse, scope, untouched bytes) need no key.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expect {
    /// The step must fail with an error of this kind (`scope`, `input`, ...), optionally with
    /// text in its message: `{kind: scope, contains: sql}`.
    #[serde(default)]
    pub error: Option<ErrorExpect>,
    /// The sync's result.
    #[serde(default)]
    pub sync: Option<SyncExpect>,
    /// The changes the vendor is told to make (`sync`'s vendor changes or `pull`'s changes):
    /// `{change: updated|created|deleted, id, unique_id, fields}` entries.
    #[serde(default, deserialize_with = "list_expect")]
    pub changes: Option<ListExpect>,
    /// The conflicts reported (`{id, path, vendor, repo}` entries).
    #[serde(default, deserialize_with = "list_expect")]
    pub conflicts: Option<ListExpect>,
    /// The vendor's objects after the step (`list`), matched like changes.
    #[serde(default, deserialize_with = "list_expect")]
    pub objects: Option<ListExpect>,
    /// The main branch.
    #[serde(default)]
    pub main: Option<TreeExpect>,
    /// A vendor's sync branch.
    #[serde(default)]
    pub branch: Option<TreeExpect>,
}

/// An expected error.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ErrorExpect {
    /// The error kind (protocol error kinds: `scope`, `input`, `repo_moved`, `git`, `read`,
    /// `unsupported`, `internal`).
    pub kind: String,
    /// Text the message must contain.
    #[serde(default)]
    pub contains: Option<String>,
}

/// Why scenarios could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// A file or folder could not be read.
    #[error("{path}: {source}")]
    Io {
        /// The path.
        path: String,
        /// The cause.
        source: std::io::Error,
    },
    /// A scenario file is not valid.
    #[error("{path}: {message}")]
    Invalid {
        /// The file.
        path: String,
        /// What is wrong.
        message: String,
    },
}

/// Reads one scenario file (YAML).
pub fn load_file(path: &Path) -> Result<Scenario, LoadError> {
    let text = std::fs::read_to_string(path).map_err(|source| LoadError::Io {
        path: path.display().to_string(),
        source,
    })?;
    let mut scenario = parse(&text).map_err(|message| LoadError::Invalid {
        path: path.display().to_string(),
        message,
    })?;
    scenario.path = Some(path.to_path_buf());
    Ok(scenario)
}

/// Parses a scenario from YAML text.
pub fn parse(text: &str) -> Result<Scenario, String> {
    use interop_sdk::sync::read::yaml;
    use interop_sdk::sync::safety::Limits;
    let root = yaml::parse(text, &Limits::default()).map_err(|e| e.to_string())?;
    let json = root.map(|r| r.to_json()).unwrap_or(Value::Null);
    let scenario: Scenario = serde_json::from_value(json).map_err(|e| e.to_string())?;
    validate(&scenario)?;
    Ok(scenario)
}

fn validate(s: &Scenario) -> Result<(), String> {
    let vendors = s.vendor_categories();
    for (i, step) in s.steps.iter().enumerate() {
        if let Some(vendor) = step.action.vendor() {
            match vendor {
                Some(v) if !vendors.contains_key(v) => {
                    return Err(format!(
                        "steps[{i}]: vendor '{v}' is not declared under vendors"
                    ));
                }
                None if vendors.len() > 1 => {
                    return Err(format!(
                        "steps[{i}]: the scenario has several vendors; name one with vendor:"
                    ));
                }
                _ => {}
            }
        }
        if let Action::Resolve { choice, .. } = &step.action
            && choice != "vendor"
            && choice != "repo"
        {
            return Err(format!("steps[{i}]: resolve choice is vendor or repo"));
        }
    }
    Ok(())
}

/// Reads every `*.yaml` / `*.yml` file under `dir` (recursively), sorted by id.
pub fn load_dir(dir: &Path) -> Result<Vec<Scenario>, LoadError> {
    let mut files = Vec::new();
    collect(dir, &mut files)?;
    let mut scenarios = files
        .iter()
        .map(|f| load_file(f))
        .collect::<Result<Vec<_>, _>>()?;
    scenarios.sort_by(|a, b| a.id.cmp(&b.id));
    for pair in scenarios.windows(2) {
        if pair[0].id == pair[1].id {
            return Err(LoadError::Invalid {
                path: dir.display().to_string(),
                message: format!("two scenarios have the id {}", pair[0].id),
            });
        }
    }
    Ok(scenarios)
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), LoadError> {
    let io = |source| LoadError::Io {
        path: dir.display().to_string(),
        source,
    };
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(io)?
        .map(|e| e.map(|e| e.path()))
        .collect::<Result<_, _>>()
        .map_err(io)?;
    entries.sort();
    for path in entries {
        if path.is_dir() {
            collect(&path, out)?;
        } else if matches!(
            path.extension().and_then(|e| e.to_str()),
            Some("yaml" | "yml")
        ) {
            out.push(path);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const SCENARIO: &str = "id: bi.x\ncategory: bi\nlevel: reference\nrequirement: R.\nrepo: shop\nsteps:\n  - put: {objects: []}\n  - sync:\n    expect: {sync: {commit: new}, changes: {count: 0}}\n  - merge: {squash: true}\n";

    #[test]
    fn a_scenario_reads_with_defaults() {
        let s = parse(SCENARIO).unwrap();
        assert_eq!(s.level, Level::Reference);
        assert_eq!(s.repo, StartRepo::Fixture("shop".into()));
        assert_eq!(
            s.vendor_categories().get("vendor").map(String::as_str),
            Some("bi")
        );
        assert!(matches!(s.steps[1].action, Action::Sync { vendor: None }));
        assert_eq!(
            s.steps[1].expect.sync.as_ref().unwrap().commit,
            Some(CommitExpect::New)
        );
        assert_eq!(s.steps[1].expect.changes.as_ref().unwrap().count, Some(0));
        assert!(matches!(
            s.steps[2].action,
            Action::Merge { squash: true, .. }
        ));
        assert_eq!(
            parse(&SCENARIO.replace("shop", "none")).unwrap().repo,
            StartRepo::None
        );
    }

    #[test]
    fn misspelt_keys_and_unknown_vendors_are_named() {
        let e = parse(&SCENARIO.replace("expect: {sync", "expect: {synk")).unwrap_err();
        assert!(e.contains("synk"), "{e}");
        let e = parse(&SCENARIO.replace(
            "  - merge: {squash: true}",
            "  - merge: {squash: true}\n    sync: {}",
        ))
        .unwrap_err();
        assert!(e.contains("exactly one action key"), "{e}");
        let e = parse(&SCENARIO.replace("put: {objects: []}", "put: {vendor: acme, objects: []}"))
            .unwrap_err();
        assert!(e.contains("vendor 'acme' is not declared"), "{e}");
        let e = parse(&SCENARIO.replace("level: reference", "level: gold")).unwrap_err();
        assert!(e.contains("gold"), "{e}");
    }

    #[test]
    fn the_shipped_scenarios_load() {
        let all = load_dir(&crate::default_scenarios()).unwrap();
        assert!(all.len() >= 18);
        assert!(
            all.iter()
                .all(|s| s.id.starts_with(&format!("{}.", s.category)))
        );
    }
}
