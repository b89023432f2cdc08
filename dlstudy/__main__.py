from dlstudy.cli import main

main()
