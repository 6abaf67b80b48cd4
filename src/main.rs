//! The `aimap` binary: parses arguments, loads settings, and hands each
//! command to its module under `run/`. All scanning, matching and
//! reporting lives in the library crates.
mod cli;
mod config;
mod logging;
mod progress;
mod run;

use std::io::Write;
use std::process::ExitCode;

use clap::{CommandFactory, Parser};

use cli::{Cli, Command, DbCommand, RulesCommand, RunCommand};

fn main() -> ExitCode {
    let cli = match Cli::try_parse_from(cli::rewrite_nmap_style(std::env::args_os())) {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            // --help and --version are not errors.
            return if e.use_stderr() {
                ExitCode::from(run::exit::ERROR)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    logging::init(cli.verbose, cli.quiet);
    match dispatch(cli) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            let _ = writeln!(std::io::stderr(), "aimap: error: {e:#}");
            ExitCode::from(run::exit::ERROR)
        }
    }
}

fn dispatch(cli: Cli) -> anyhow::Result<u8> {
    match cli.command {
        Command::Scan(args) => {
            let cfg = config::load(cli.config.as_deref())?;
            run::scan::run(args, cfg.scan, &cli.store, cli.quiet)
        }
        Command::Audit(args) => run::audit::run(args, &cli.store),
        Command::Inventory(args) => run::inventory::run(args, &cli.store),
        Command::Db {
            advisories,
            command,
        } => match command {
            DbCommand::Import { paths } => run::db::import(advisories.as_deref(), &paths),
            DbCommand::Update {
                ecosystems,
                base_url,
            } => run::db::update(advisories.as_deref(), &ecosystems, &base_url),
            DbCommand::Status { json } => run::db::status(advisories.as_deref(), json),
        },
        Command::Rules(RulesCommand::List { rules, markdown }) => {
            run::rules::list(rules.as_deref(), markdown)
        }
        Command::Rules(RulesCommand::Lint { dir }) => run::rules::lint(dir.as_deref()),
        Command::Watch(args) => {
            let cfg = config::load(cli.config.as_deref())?;
            run::watch::run(args, cfg.scan, &cli.store)
        }
        Command::Runs {
            limit,
            kind,
            format,
        } => run::history::runs(&cli.store, limit, kind.as_deref(), format),
        Command::Show { run, format } => run::history::show(&cli.store, &run, format),
        Command::Diff {
            run_a,
            run_b,
            format,
        } => run::history::diff(&cli.store, run_a.as_deref(), run_b.as_deref(), format),
        Command::Serve(args) => run::serve::run(&cli.store, &args),
        Command::Prune { keep } => run::history::prune(&cli.store, keep),
        Command::Run(RunCommand::Status {
            run,
            stale_after,
            format,
        }) => run::history::run_status(&cli.store, &run, stale_after, format),
        Command::Rematch {
            run,
            advisories,
            format,
        } => run::rematch::run(&cli.store, run.as_deref(), advisories.as_deref(), format),
        Command::Completions { shell } => {
            clap_complete::generate(shell, &mut Cli::command(), "aimap", &mut std::io::stdout());
            Ok(run::exit::OK)
        }
    }
}
