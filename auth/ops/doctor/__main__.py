from auth.ops.doctor.command import main

main()
