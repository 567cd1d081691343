//! The bad-input catalogue. Each case is a folder under `tests/fixtures/bad_input/<case>/` whose
//! files are laid over the valid project in `tests/fixtures/bad_input_base/` (a case holding a
//! `_standalone` file is a whole project by itself), committed to a fresh git repository, and
//! read twice: from the folder and from the commit. Both reads must give the same outcome; the
//! outcome must carry the precise error (kind, file, line, column, YAML path), its text is an
//! insta snapshot, the rest of the project is still read, and nothing in the folder or the
//! repository (files, objects, refs) changed.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use git2::{Repository, Signature, Time};
use interop_sync::read::{
    FolderSource, GitTreeSource, Project, ProjectReadError, ProjectSource, ReadError,
    ReadErrorKind, Reader,
};
use interop_sync::safety::Limits;

use ReadErrorKind::*;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// Copies `from` over `to`, file by file (the `_standalone` marker is not copied).
fn lay(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            lay(&entry.path(), &target);
        } else if entry.file_name() != "_standalone" {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// Every file below `root` (the `.git` folder included) with its bytes.
fn everything(root: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut pending = vec![root.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let entry = entry.unwrap();
            let kind = entry.file_type().unwrap();
            if kind.is_dir() {
                pending.push(entry.path());
            } else if kind.is_symlink() {
                let target = std::fs::read_link(entry.path()).unwrap();
                out.insert(entry.path(), target.to_string_lossy().as_bytes().to_vec());
            } else {
                out.insert(entry.path(), std::fs::read(entry.path()).unwrap());
            }
        }
    }
    out
}

/// One case laid out in a git repository with one commit on `main`.
struct Case {
    dir: tempfile::TempDir,
}

impl Case {
    fn new(name: &str) -> Case {
        let case = fixtures().join("bad_input").join(name);
        assert!(case.is_dir(), "no fixture folder {}", case.display());
        let dir = tempfile::tempdir().unwrap();
        if !case.join("_standalone").exists() {
            lay(&fixtures().join("bad_input_base"), dir.path());
        }
        lay(&case, dir.path());
        let c = Case { dir };
        c.commit();
        c
    }

    fn root(&self) -> &Path {
        self.dir.path()
    }

    /// Commits the whole folder on `main`, with a fixed author and time (stable commit ids).
    fn commit(&self) {
        let repo = Repository::init(self.root()).unwrap();
        let mut index = repo.index().unwrap();
        index
            .add_all(["*"], git2::IndexAddOption::DEFAULT, None)
            .unwrap();
        index.write().unwrap();
        let tree = repo.find_tree(index.write_tree().unwrap()).unwrap();
        let who = Signature::new("Customer", "ae@customer.test", &Time::new(0, 0)).unwrap();
        let parent = repo.head().ok().and_then(|h| h.peel_to_commit().ok());
        let parents: Vec<&git2::Commit> = parent.iter().collect();
        let commit = repo
            .commit(None, &who, &who, "case", &tree, &parents)
            .unwrap();
        repo.reference("refs/heads/main", commit, true, "case")
            .unwrap();
        repo.set_head("refs/heads/main").unwrap();
    }

    /// Reads the folder and the commit; asserts they agree and that nothing was written.
    fn read(&self, limits: Limits) -> Outcome {
        let before = everything(self.root());
        let folder_source = FolderSource::new(self.root());
        let folder = Reader::new(limits.clone()).read(&folder_source);
        let git_source = GitTreeSource::open(self.root(), "main").unwrap();
        let git = Reader::new(limits).read(&git_source);
        assert!(
            before == everything(self.root()),
            "reading changed the repository"
        );
        let outcome = Outcome {
            folder: render(&folder, &folder_source.describe()),
            result: folder,
        };
        assert_eq!(
            outcome.folder,
            render(&git, &git_source.describe()),
            "the folder and the commit read differently"
        );
        outcome
    }
}

/// The outcome as text, the source's own name (which holds a temporary path) as `<project>`.
fn render(result: &Result<Project, ProjectReadError>, source: &str) -> String {
    let text = match result {
        Ok(p) if p.errors.is_empty() => format!("read: {} resources, no errors", p.resources.len()),
        Ok(p) => p
            .errors
            .iter()
            .map(|e| format!("{:?} {e}", e.kind))
            .collect::<Vec<_>>()
            .join("\n"),
        Err(e) => format!("refused: {e}"),
    };
    text.replace(source, "<project>")
}

/// What reading a case gave.
struct Outcome {
    result: Result<Project, ProjectReadError>,
    /// The errors as text, one per line (`Kind file:line:column: path: message`).
    folder: String,
}

impl Outcome {
    fn project(&self) -> &Project {
        match &self.result {
            Ok(p) => p,
            Err(e) => panic!("the project was refused: {e}"),
        }
    }

    /// Asserts an error of this kind at exactly this place, and that the valid files of the
    /// base project were still read.
    fn has(&self, kind: ReadErrorKind, file: &str, line: usize, column: usize, path: &str) {
        let p = self.project();
        assert!(
            p.errors.iter().any(|e| (
                e.kind,
                e.file.as_str(),
                e.line,
                e.column,
                e.yaml_path.as_str()
            ) == (kind, file, line, column, path)),
            "no {kind:?} error at {file}:{line}:{column} ({path}); got:\n{}",
            self.folder
        );
        self.base_still_read();
    }

    fn only(&self, kind: ReadErrorKind, file: &str, line: usize, column: usize, path: &str) {
        self.has(kind, file, line, column, path);
        assert_eq!(self.project().errors.len(), 1, "{}", self.folder);
    }

    fn base_still_read(&self) {
        let p = self.project();
        for id in [
            "model.acme.orders",
            "model.acme.stg_orders",
            "source.acme.shop.raw_orders",
        ] {
            assert!(p.get(id).is_some(), "{id} was not read:\n{}", self.folder);
        }
        assert!(
            p.resources.iter().any(|r| r
                .unique_id
                .as_str()
                .starts_with("test.acme.unique_orders_order_id.")),
            "the column test of orders was not read"
        );
    }

    fn clean(&self) {
        assert!(self.project().errors.is_empty(), "{}", self.folder);
        self.base_still_read();
    }

    fn refused(&self) -> &ProjectReadError {
        match &self.result {
            Ok(p) => panic!("read with {} errors", p.errors.len()),
            Err(e) => e,
        }
    }

    /// The project read must have refused with this located error of `dbt_project.yml`.
    fn refused_at(&self, kind: ReadErrorKind, line: usize, column: usize, path: &str) {
        match self.refused() {
            ProjectReadError::Project(e) => assert_eq!(
                (
                    e.kind,
                    e.file.as_str(),
                    e.line,
                    e.column,
                    e.yaml_path.as_str()
                ),
                (kind, "dbt_project.yml", line, column, path),
                "{e}"
            ),
            other => panic!("not a dbt_project.yml error: {other}"),
        }
    }

    fn message(&self) -> &str {
        &self.folder
    }
}

fn run(name: &str) -> Outcome {
    run_with(name, Limits::default())
}

fn run_with(name: &str, limits: Limits) -> Outcome {
    let case = Case::new(name);
    let outcome = case.read(limits);
    insta::assert_snapshot!(name, outcome.folder);
    outcome
}

/// One test per catalogue case: the case folder has the test's name.
macro_rules! catalogue {
    ($($name:ident => |$o:ident| $check:expr;)*) => {
        $(
            #[test]
            fn $name() {
                let $o = run(stringify!($name));
                $check;
            }
        )*
    };
}

const MORE: &str = "models/marts/_more.yml";

catalogue! {
    // YAML syntax.
    yaml_unclosed_flow_sequence => |o| o.only(Syntax, MORE, 4, 13, "models[0].config.tags[1]");
    yaml_bad_indentation => |o| o.only(Syntax, MORE, 6, 4, "exposures[1]");
    yaml_tab_indentation => |o| o.only(Syntax, MORE, 4, 2, "groups");
    yaml_two_documents => |o| o.only(Syntax, MORE, 5, 1, "");
    yaml_unterminated_quote => |o| o.only(Syntax, MORE, 5, 12, "exposures[0].label");
    // Duplicate keys.
    duplicate_key_in_entry => |o| {
        o.only(Syntax, MORE, 7, 5, "exposures[0].type");
        assert!(o.message().contains("duplicate key 'type' (first defined on line 5)"), "{}", o.message());
    };
    duplicate_top_level_key => |o| o.only(Syntax, MORE, 7, 1, "groups");
    duplicate_key_in_dbt_project => |o| o.refused_at(Syntax, 4, 1, "name");
    // Wrong types.
    wrong_type_tables_is_a_string => |o| o.only(WrongType, MORE, 6, 13, "sources[0].tables");
    wrong_type_columns_is_a_mapping => |o| o.only(WrongType, MORE, 8, 11, "sources[0].tables[0].columns");
    wrong_type_name_is_a_list => |o| o.only(WrongType, MORE, 4, 11, "groups[0].name");
    wrong_type_root_is_a_list => |o| o.only(WrongType, MORE, 1, 1, "");
    wrong_type_models_is_a_mapping => |o| o.only(WrongType, MORE, 4, 3, "models");
    // Missing and unknown keys.
    missing_name_in_exposure => |o| o.only(Missing, MORE, 4, 5, "exposures[0]");
    missing_name_in_column => |o| o.only(Missing, MORE, 8, 13, "sources[0].tables[0].columns[0]");
    unknown_top_level_key => |o| o.only(UnknownKey, MORE, 3, 1, "lightdash");
    // Encodings and line ends.
    non_utf8_properties_file => |o| o.only(Encoding, MORE, 5, 22, "");
    non_utf8_model_sql => |o| o.only(Encoding, "models/marts/customers.sql", 1, 28, "");
    non_utf8_dbt_project => |o| o.refused_at(Encoding, 3, 3, "");
    byte_order_mark_in_properties => |o| {
        o.clean();
        assert!(o.project().get("group.acme.finance").is_some());
    };
    byte_order_mark_in_dbt_project => |o| {
        o.clean();
        assert_eq!(o.project().dbt_project.name, "acme");
    };
    byte_order_mark_inside_a_value => |o| o.only(Syntax, MORE, 5, 19, "groups[0].owner.name");
    crlf_and_lf_mixed => |o| {
        o.clean();
        let g = o.project().get("group.acme.marketing").unwrap();
        assert_eq!((g.location.line, g.location.column), (6, 5));
    };
    crlf_error_location => |o| o.only(Syntax, MORE, 6, 5, "groups[0].owner");
    lone_carriage_returns => |o| o.only(Syntax, MORE, 6, 5, "groups[0].owner");
    nul_byte_in_yaml => |o| o.only(Syntax, MORE, 4, 14, "groups[0].name");
    control_character_in_yaml => |o| o.only(Syntax, MORE, 5, 23, "groups[0].owner.name");
    // Limits.
    deep_nesting_flow => |o| {
        o.only(Limit, MORE, 8, 79, "groups[0].config.meta.deep[0]");
        assert!(o.message().contains("max_depth"));
    };
    deep_nesting_block => |o| {
        let keys: Vec<String> = (0..60).map(|i| format!("k{i}")).collect();
        o.only(Limit, MORE, 68, 129, &format!("groups[0].config.meta.{}", keys.join(".")));
        assert!(o.message().contains("max_depth"));
    };
    alias_bomb => |o| {
        o.only(Limit, MORE, 8, 45, "anchors[4][7]");
        assert!(o.message().contains("max_alias_nodes"));
    };
    undefined_alias => |o| o.only(Syntax, MORE, 5, 12, "groups[0].owner");
    merge_key_not_a_mapping => |o| o.only(Syntax, MORE, 5, 9, "groups[0].<<");
    // Jinja.
    jinja_unclosed_docs_block => |o| o.only(Jinja, "models/marts/more_docs.md", 4, 1, "");
    jinja_unclosed_macro => |o| o.only(Jinja, "macros/grants.sql", 1, 1, "");
    jinja_mismatched_end_tag => |o| o.only(Jinja, "models/marts/more_docs.md", 3, 1, "");
    jinja_unclosed_expression_in_model => |o| {
        o.only(Jinja, "models/marts/customers.sql", 3, 5, "");
        assert!(o.project().get("model.acme.customers").is_some());
    };
    jinja_unclosed_comment_in_model => |o| o.only(Jinja, "models/marts/customers.sql", 1, 1, "");
    jinja_unclosed_if_in_model => |o| o.only(Jinja, "models/marts/customers.sql", 3, 1, "");
    // dbt's rules.
    duplicate_model_name => |o| o.has(Duplicate, "models/staging/orders.sql", 1, 1, "");
    duplicate_group => |o| o.only(Duplicate, MORE, 6, 5, "groups[1]");
    missing_docs_block => |o| o.only(Reference, MORE, 5, 18, "groups[0].description");
    patch_for_a_missing_model => |o| o.only(Reference, MORE, 4, 5, "models[0]");
    reserved_test_argument => |o| o.only(WrongType, MORE, 8, 13, "sources[0].tables[0].data_tests[0]");
    empty_properties_file => |o| o.clean();
    // dbt_project.yml.
    reserved_project_name => |o| o.refused_at(WrongType, 1, 7, "name");
    project_name_with_a_dash => |o| o.refused_at(WrongType, 1, 7, "name");
    project_name_wrong_type => |o| o.refused_at(WrongType, 1, 7, "name");
    dbt_project_broken_yaml => |o| o.refused_at(Syntax, 5, 20, "models.acme.+materialized[0]");
    dbt_project_not_a_mapping => |o| o.refused_at(WrongType, 1, 1, "");
    dbt_project_without_name => |o| o.refused_at(Missing, 1, 1, "");
    no_dbt_project_yml => |o| {
        assert!(matches!(o.refused(), ProjectReadError::Project(e) if e.kind == Io && e.file == "dbt_project.yml"));
    };
}

#[test]
fn enormous_properties_file() {
    let limits = Limits {
        max_file_bytes: 4096,
        ..Limits::default()
    };
    let o = run_with("enormous_properties_file", limits);
    o.only(Limit, MORE, 1, 1, "");
    assert!(
        o.message()
            .contains("more than the limit of 4096 (max_file_bytes)")
    );
}

#[test]
fn enormous_file_at_the_default_limit_is_refused_before_parsing() {
    let case = Case::new("empty_properties_file");
    let huge = "# padding\n".repeat(1_700_000); // 17 MB, over the 16 MiB default
    std::fs::write(case.root().join(MORE), huge).unwrap();
    case.commit();
    let o = case.read(Limits::default());
    o.only(Limit, MORE, 1, 1, "");
    assert!(o.message().contains("max_file_bytes"), "{}", o.message());
}

#[test]
fn too_many_files() {
    let case = Case::new("empty_properties_file");
    let limits = Limits {
        max_files: 5,
        ..Limits::default()
    };
    let o = case.read(limits);
    match o.refused() {
        ProjectReadError::TooManyFiles { found, limit } => assert_eq!((*found, *limit), (8, 5)),
        other => panic!("{other}"),
    }
    insta::assert_snapshot!("too_many_files", o.message());
}

#[cfg(unix)]
fn link(target: &Path, at: &Path) {
    std::os::unix::fs::symlink(target, at).unwrap();
}

#[test]
#[cfg(unix)]
fn symlink_to_a_file_outside_the_repo() {
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("secret.yml"), "models: []\n").unwrap();
    let case = Case::new("empty_properties_file");
    link(
        &outside.path().join("secret.yml"),
        &case.root().join("models/marts/secret.yml"),
    );
    let before = everything(case.root());
    let err = Reader::default()
        .read(&FolderSource::new(case.root()))
        .unwrap_err();
    assert!(matches!(&err, ProjectReadError::Source(_)), "{err}");
    insta::assert_snapshot!("symlink_to_a_file_outside_the_repo", err.to_string());
    assert!(before == everything(case.root()));
}

#[test]
#[cfg(unix)]
fn symlink_to_a_folder_outside_the_repo() {
    let outside = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(outside.path().join("models")).unwrap();
    let case = Case::new("empty_properties_file");
    link(
        &outside.path().join("models"),
        &case.root().join("models/elsewhere"),
    );
    let err = Reader::default()
        .read(&FolderSource::new(case.root()))
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "models/elsewhere: symlink points outside the project"
    );
}

#[test]
#[cfg(unix)]
fn relative_symlink_climbing_out_of_the_repo() {
    let case = Case::new("empty_properties_file");
    link(
        Path::new("../../../../../../../../etc/hostname"),
        &case.root().join("models/marts/hostname.yml"),
    );
    let err = Reader::default()
        .read(&FolderSource::new(case.root()))
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "models/marts/hostname.yml: symlink points outside the project"
    );
}

#[test]
#[cfg(unix)]
fn committed_symlink_is_never_followed() {
    // In a commit a symlink is a blob holding its target; reading the commit must not follow it
    // (the target here is a file outside the repository that would not even parse).
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("secret.yml"), "models: [unclosed\n").unwrap();
    let case = Case::new("empty_properties_file");
    link(
        &outside.path().join("secret.yml"),
        &case.root().join("models/marts/secret.yml"),
    );
    case.commit();
    std::fs::remove_file(case.root().join("models/marts/secret.yml")).unwrap();
    let source = GitTreeSource::open(case.root(), "main").unwrap();
    let project = Reader::default().read(&source).unwrap();
    assert!(project.errors.is_empty(), "{:#?}", project.errors);
    assert!(
        !project
            .files
            .iter()
            .any(|f| f.path == "models/marts/secret.yml")
    );
}

#[test]
fn corrupt_git_object() {
    let case = Case::new("empty_properties_file");
    let repo = Repository::open(case.root()).unwrap();
    let tree = repo.head().unwrap().peel_to_tree().unwrap();
    let blob = tree
        .get_path(Path::new("models/marts/_marts__models.yml"))
        .unwrap()
        .id()
        .to_string();
    let object = case
        .root()
        .join(".git/objects")
        .join(&blob[..2])
        .join(&blob[2..]);
    let mut perms = std::fs::metadata(&object).unwrap().permissions();
    #[allow(clippy::permissions_set_readonly_false)]
    perms.set_readonly(false);
    std::fs::set_permissions(&object, perms).unwrap();
    std::fs::write(&object, b"this is not a zlib stream").unwrap();
    let before = everything(case.root());
    let source = GitTreeSource::open(case.root(), "main").unwrap();
    let err = Reader::default().read(&source).unwrap_err();
    assert!(matches!(&err, ProjectReadError::Source(_)), "{err}");
    let text = err.to_string();
    assert!(
        text.starts_with("reading models/marts/_marts__models.yml: "),
        "{text}"
    );
    insta::assert_snapshot!("corrupt_git_object", text);
    assert!(
        before == everything(case.root()),
        "reading changed the repository"
    );
}

#[test]
fn random_prefixes_never_panic() {
    // Every prefix of every case file: truncated input anywhere gives errors, never a panic.
    let root = fixtures().join("bad_input");
    let mut files = Vec::new();
    let mut pending = vec![root];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|e| e == "yml") {
                files.push(path);
            }
        }
    }
    for file in files {
        let text = String::from_utf8_lossy(&std::fs::read(&file).unwrap()).into_owned();
        for end in (0..text.len()).filter(|e| text.is_char_boundary(*e)) {
            let _ = interop_sync::read::yaml::parse(&text[..end], &Limits::default());
        }
    }
}

/// The error type is what callers print; its display is `file:line:column: path: message`.
#[test]
fn error_display_names_file_line_column_and_path() {
    let e = ReadError {
        kind: Syntax,
        file: "models/a.yml".into(),
        line: 4,
        column: 5,
        yaml_path: "models[0].description".into(),
        message: "duplicate key 'description' (first defined on line 3)".into(),
    };
    assert_eq!(
        e.to_string(),
        "models/a.yml:4:5: models[0].description: duplicate key 'description' (first defined on line 3)"
    );
}
