from advisor.launch import main

main()
