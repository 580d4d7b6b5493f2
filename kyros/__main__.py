from kyros.cli import main

main()
