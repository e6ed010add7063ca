import MSSCLI

await MSSMain.main()
