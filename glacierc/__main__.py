from glacierc.cli import main

main()
