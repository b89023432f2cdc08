from dlstudy._entry import main

main()
