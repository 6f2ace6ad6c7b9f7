from shelfwatch.cli import main

main()
