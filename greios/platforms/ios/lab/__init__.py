"""greios/platforms/ios/lab"""
