use clap::Parser;
use drconsole::cli::{Cli, Command};
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        None => drconsole::cli::console::run(cli.console),
        Some(Command::Console(args)) => drconsole::cli::console::run(args),
        Some(Command::Status(args)) => drconsole::cli::status::run(args),
        Some(Command::Emulator(args)) => drconsole::cli::emulator::run(args),
        Some(Command::Validate(a)) => drconsole::cli::validate::run(&a),
        Some(Command::Plan(a)) => drconsole::cli::plan::run(&a),
        Some(Command::Journal(a)) => drconsole::cli::journal::run(&a),
        Some(Command::Approve(a)) => drconsole::cli::journal::approve(&a),
        Some(Command::Run(a)) => drconsole::cli::run::run(a),
        Some(Command::Discover(a)) => drconsole::cli::discover::run(&a),
        Some(Command::Doctor(a)) => drconsole::cli::doctor::run(a),
        Some(Command::Completions(a)) => drconsole::cli::completions::completions(&a),
        Some(Command::Man) => drconsole::cli::completions::man(),
    };
    match result {
        Ok(code) => ExitCode::from(u8::try_from(code).unwrap_or(1)),
        // A closed stdout (`| head`) ends the command quietly, as it does a filter.
        Err(e) if drconsole::cli::out::is_broken_pipe(&e) => {
            ExitCode::from(drconsole::cli::out::BROKEN_PIPE_EXIT)
        }
        Err(e) => {
            eprintln!("drconsole: {e:#}");
            ExitCode::from(2)
        }
    }
}
