//! The scaffold's files, as text. Nothing here touches the file system.

use super::{Adapter, ScaffoldOptions};

/// The folder of the one model the scaffold writes, and its properties file.
const MARTS: &str = "models/marts";
/// The time spine model, in [`MARTS`].
const TIME_SPINE: &str = "metricflow_time_spine";
/// Folders that start empty and are kept in git by a `.gitkeep`.
const EMPTY_FOLDERS: &[&str] = &[
    "models/staging",
    "seeds",
    "snapshots",
    "tests",
    "macros",
    "analyses",
];

/// Every file of a new dbt project, as `(path relative to the project folder, content)` pairs:
/// `dbt_project.yml`, `profiles.yml.example`, `README.md`, `.gitignore`, the time spine model
/// and its properties file, and a `.gitkeep` in each folder that starts empty. No
/// `packages.yml`: the project needs no package.
///
/// Pure and deterministic. It does not check the options; [`super::init_project`] does (see
/// [`ScaffoldOptions::validate`]).
pub fn scaffold_files(options: &ScaffoldOptions) -> Vec<(String, String)> {
    let mut files = vec![
        ("dbt_project.yml".to_string(), dbt_project(options)),
        (
            "profiles.yml.example".to_string(),
            profiles_example(options),
        ),
        ("README.md".to_string(), readme(options)),
        (".gitignore".to_string(), GITIGNORE.to_string()),
        (
            format!("{MARTS}/{TIME_SPINE}.sql"),
            TIME_SPINE_SQL.to_string(),
        ),
        (marts_properties_path(), marts_properties()),
    ];
    for folder in EMPTY_FOLDERS {
        files.push((format!("{folder}/.gitkeep"), String::new()));
    }
    files
}

/// `models/marts/_marts__models.yml`: the name Interop itself gives a folder's properties
/// file, so that the next model a vendor adds to marts is listed in the same file.
fn marts_properties_path() -> String {
    format!(
        "{MARTS}/{}",
        crate::render::properties_file_name(MARTS, &[])
    )
}

/// A YAML plain scalar when it reads back as the same string (in YAML 1.1 too, which PyYAML and
/// so dbt use), else a double-quoted one.
fn yaml_str(s: &str) -> String {
    const SPECIAL: &[&str] = &[
        "y", "n", "yes", "no", "on", "off", "true", "false", "null", "~",
    ];
    let plain = s
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        && !SPECIAL.contains(&s.to_ascii_lowercase().as_str());
    if plain {
        s.to_string()
    } else {
        format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
    }
}

fn dbt_project(options: &ScaffoldOptions) -> String {
    let name = yaml_str(&options.name);
    let profile = yaml_str(options.profile_name());
    format!(
        r#"# The dbt project `{raw_name}`, created by `interop init`.
# Reference: https://docs.getdbt.com/reference/dbt_project.yml

name: {name}
version: "1.0.0"
config-version: 2

# The connection dbt uses, defined in profiles.yml (see profiles.yml.example).
profile: {profile}

# 1.10.8 is the first dbt release that reads data test arguments under `arguments:` by default.
require-dbt-version: ">=1.10.8"

model-paths: ["models"]
analysis-paths: ["analyses"]
test-paths: ["tests"]
seed-paths: ["seeds"]
macro-paths: ["macros"]
snapshot-paths: ["snapshots"]

# What `dbt clean` deletes.
clean-targets:
  - target
  - dbt_packages

models:
  {name}:
    # Models build as views (staging and any new folder), marts as tables.
    +materialized: view
    marts:
      +materialized: table
"#,
        raw_name = options.name,
    )
}

fn profiles_example(options: &ScaffoldOptions) -> String {
    let target = match options.adapter {
        Adapter::DuckDb => format!(
            r#"      type: duckdb
      # A local database file, created on the first run (git ignores *.duckdb).
      path: {name}.duckdb
      threads: 4"#,
            name = options.name
        ),
        Adapter::Postgres => r#"      type: postgres
      host: localhost
      port: 5432
      user: "{{ env_var('DBT_POSTGRES_USER') }}"
      password: "{{ env_var('DBT_POSTGRES_PASSWORD') }}"
      dbname: analytics
      # Your own development schema, e.g. dbt_<initials>.
      schema: dbt_dev
      threads: 4"#
            .to_string(),
        Adapter::Snowflake => r#"      type: snowflake
      account: "{{ env_var('SNOWFLAKE_ACCOUNT') }}"
      user: "{{ env_var('SNOWFLAKE_USER') }}"
      # Signs in through the browser; for key-pair auth see the reference above.
      authenticator: externalbrowser
      role: transformer
      warehouse: transforming
      database: analytics
      # Your own development schema, e.g. dbt_<initials>.
      schema: dbt_dev
      threads: 8"#
            .to_string(),
        Adapter::BigQuery => r#"      type: bigquery
      # Uses your gcloud login: `gcloud auth application-default login`.
      method: oauth
      project: "{{ env_var('BIGQUERY_PROJECT') }}"
      # Your own development dataset, e.g. dbt_<initials>.
      dataset: dbt_dev
      location: US
      threads: 8"#
            .to_string(),
    };
    format!(
        r#"# An example connection profile for {label}. Copy it to profiles.yml, in this folder or in
# ~/.dbt/, and adjust it; git ignores profiles.yml. Keep secrets in environment variables and
# read them with env_var(), never in a file.
# Reference: https://docs.getdbt.com/docs/core/connect-data-platform/profiles.yml

{profile}:
  target: dev
  outputs:
    dev:
{target}
"#,
        label = options.adapter.label(),
        profile = yaml_str(options.profile_name()),
    )
}

fn readme(options: &ScaffoldOptions) -> String {
    let adapter = options.adapter;
    let connection = match adapter {
        Adapter::DuckDb => format!(
            "The data lives in the local file `{}.duckdb`, which git ignores.",
            options.name
        ),
        Adapter::Postgres => {
            "Set `DBT_POSTGRES_USER` and `DBT_POSTGRES_PASSWORD` in your environment first."
                .to_string()
        }
        Adapter::Snowflake => {
            "Set `SNOWFLAKE_ACCOUNT` and `SNOWFLAKE_USER` in your environment first; dbt signs in \
             through the browser."
                .to_string()
        }
        Adapter::BigQuery => "Set `BIGQUERY_PROJECT` in your environment and sign in with \
             `gcloud auth application-default login` first."
            .to_string(),
    };
    format!(
        r#"# {name}

This is a [dbt](https://docs.getdbt.com) project: the SQL models, tests and documentation that
turn raw data in the warehouse into tables that people and tools can rely on. It was created by
`interop init` and is plain dbt; nothing in it depends on Interop.

## Layout

| path | what belongs there |
|---|---|
| `models/staging/` | one model per source table, renamed and cast but not joined (`stg_<source>__<table>.sql`); built as views |
| `models/marts/` | the entities and events people and tools query (`customers`, `orders`); built as tables |
| `seeds/` | small CSV files dbt loads as tables (mappings, lookups) |
| `snapshots/` | the history of tables that change in place |
| `tests/` | singular data tests: a select that returns the rows breaking a rule |
| `macros/` | Jinja macros shared by models |
| `analyses/` | SQL that dbt compiles but does not build |

Each folder of models keeps its properties (descriptions of every model and column, data tests)
in one file named after the folder, such as `models/marts/_marts__models.yml`.

`models/marts/{TIME_SPINE}.sql` is a calendar with one row per day, 10,000 days from
2015-01-01. Its `time_spine:` entry makes it the project's time spine, which dbt's semantic
layer (MetricFlow) needs before any metric can be defined. Widen its range if your data needs it.

## Run it

With Python and dbt-core 1.10.8 or later:

```sh
python -m pip install dbt-core {package}
cp profiles.yml.example profiles.yml   # then adjust it; git ignores profiles.yml
dbt debug                              # checks the connection
dbt build                              # builds the models and runs the tests
```

dbt looks for `profiles.yml` in the folder it runs in, then in `~/.dbt/`. The example defines
the profile `{profile}` with one target, `dev`, on {label}.
{connection}

## Data tools sync into this repository

Data tools connected through Interop keep what people define in them (metrics, monitors,
sources, descriptions, owners) as dbt code in this repository, and read back the changes you make
here.

- A tool never writes to `{branch}`. It commits to its own branch, `interop/<vendor>` (for
  example `interop/acme-bi`), rebuilt from `{branch}` on every sync, and keeps one pull request
  open from it whose description says what changed.
- Review and merge that pull request like any other. Edit anything, in the pull request or on
  `{branch}`: the tool picks up your edits on its next sync. When you and a tool change the same
  thing in different ways, the pull request lists the conflict; it is never resolved silently
  and never written into a file as conflict markers.
- When a tool keeps its own ids in the project, they are under `config.meta`, so renaming or
  moving a model keeps it linked to the tool's object.
"#,
        name = options.name,
        package = adapter.package(),
        profile = options.profile_name(),
        label = adapter.label(),
        branch = options.initial_branch,
    )
}

const GITIGNORE: &str = "\
# dbt's output, logs and installed packages
target/
dbt_packages/
logs/
.user.yml

# connections and secrets stay out of git
profiles.yml
.env

# local DuckDB databases
*.duckdb
*.duckdb.wal

# Python environments
.venv/
venv/
__pycache__/

.DS_Store
";

/// Portable SQL (DuckDB, PostgreSQL, Snowflake, BigQuery add days to a date with `+`), so the
/// project builds on whichever warehouse it is pointed at, and needs no package.
const TIME_SPINE_SQL: &str = "\
-- One row per day: the calendar dbt's semantic layer joins metrics to. 10,000 days from
-- 2015-01-01 (to May 2042); change the start date or add a digit to widen the range.

with

digits as (

    select 0 as digit
    union all
    select 1
    union all
    select 2
    union all
    select 3
    union all
    select 4
    union all
    select 5
    union all
    select 6
    union all
    select 7
    union all
    select 8
    union all
    select 9

),

day_numbers as (

    select
        thousands.digit * 1000
        + hundreds.digit * 100
        + tens.digit * 10
        + units.digit as day_number
    from digits as thousands
    cross join digits as hundreds
    cross join digits as tens
    cross join digits as units

),

final as (

    select cast(cast('2015-01-01' as date) + day_number as date) as date_day
    from day_numbers

)

select * from final
";

fn marts_properties() -> String {
    format!(
        "\
version: 2

models:
  - name: {TIME_SPINE}
    description: >-
      One row per calendar day, 10,000 days from 2015-01-01. The project's time spine, which
      dbt's semantic layer joins metrics to.
    time_spine:
      standard_granularity_column: date_day
    columns:
      - name: date_day
        description: The calendar day.
        granularity: day
        data_tests:
          - unique
          - not_null
"
    )
}
