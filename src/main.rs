use clap::Parser;
use ragdesk::cli::output;

#[tokio::main]
async fn main() {
    // Panic reports restore the terminal before printing.
    if let Err(e) = ragdesk::tui::install_hooks() {
        eprintln!("error: {e}");
    }
    let cli = ragdesk::cli::Cli::parse();
    let verbose = cli.verbose;
    let result = ragdesk::cli::run(cli).await;
    ragdesk::tui::restore();
    let Err(e) = result else { return };
    if output::is_broken_pipe(&e) {
        // `ragdesk … | head`: the reader has all it wanted. Exit as a
        // program killed by SIGPIPE would, silently.
        std::process::exit(141);
    }
    // One line, no colour, no report: the causes joined, as `a: b: c`.
    let line = e.chain().map(|c| c.to_string()).collect::<Vec<_>>().join(": ");
    output::err(format!("error: {line}"));
    if verbose {
        output::err(format!("{e:?}"));
    }
    std::process::exit(1);
}
