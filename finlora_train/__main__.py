from finlora_train.cli import main

main()
